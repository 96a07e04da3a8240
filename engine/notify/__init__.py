"""Notifications in the app and by e-mail."""
