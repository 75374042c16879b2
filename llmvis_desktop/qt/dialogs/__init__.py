"""Dialogs: settings, shortcuts help, reviewer name."""
