"""The Celery application. Tasks live in each app's tasks.py; the schedule lives in settings."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ressursvenner.settings")

app = Celery("ressursvenner")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_the_project_logging(**kwargs) -> None:
    """Workers and beat log through settings.LOGGING, with its redaction filter, instead of
    Celery's own handlers (which would replace the root handler and bypass the filter).
    The level is LOG_LEVEL, not the command's --loglevel."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
