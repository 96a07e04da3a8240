"""The web layer: Flask app factory, blueprints, templates, JSON API."""
