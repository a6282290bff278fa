"""Foodhub wiring: settings, URLs, Celery app and the shared templates."""

from .celery import app as celery_app

__all__ = ["celery_app"]
