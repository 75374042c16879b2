"""Persistent store: typed SQLAlchemy models, engine set-up, migrations, repositories."""
