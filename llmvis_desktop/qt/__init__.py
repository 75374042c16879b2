"""Qt front end: adapts the core; never the other way round."""
