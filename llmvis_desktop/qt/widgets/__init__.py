"""Standalone widgets: each takes plain data and emits signals for user intent."""
