"""WSGI entry point for gunicorn: ``gunicorn agency.wsgi:app``."""

from agency.app import create_app

app = create_app()
