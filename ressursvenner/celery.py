"""The Celery application. Tasks live in each app's tasks.py; the schedule lives in settings."""

import os

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from common import logcontext

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


# The request id, role and pseudonymous user of the request that enqueued a task travel in the
# task's headers, and the worker's lines for that task carry them (common/logcontext.py).
before_task_publish.connect(logcontext.task_headers, weak=False)
task_prerun.connect(logcontext.task_started, weak=False)
task_postrun.connect(logcontext.task_finished, weak=False)
