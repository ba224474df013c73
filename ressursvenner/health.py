"""The checks behind /helse/: is each part the site needs reachable right now?

Each check answers True or False and never raises, and none can hang the request for long: a
load balancer and a monitor call the endpoint often and read only its status code.
"""

import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from notifications.models import WorkerHeartbeat

# How long the broker may take to accept a connection before it counts as unreachable.
BROKER_TIMEOUT_SECONDS = 2
# The worker beats every minute (CELERY_BEAT_SCHEDULE); five minutes without one means it is gone.
WORKER_SILENCE = timedelta(minutes=5)
# The folders kombu's filesystem transport reads and writes (settings.CELERY_BROKER_TRANSPORT_OPTIONS).
FILESYSTEM_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure (refused, timed out, bad credentials) means "unavailable"
        return False


def broker_ok() -> bool:
    """The broker the web processes enqueue to accepts a connection within two seconds.

    kombu's filesystem transport (the `make run` default) has no server: it is reachable when
    its folders exist, or can be created, and can be written to.
    """
    url = settings.CELERY_BROKER_URL
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    if url.startswith("filesystem://"):
        return _folders_writable([options[key] for key in FILESYSTEM_FOLDERS if options.get(key)])
    try:
        with Connection(
            url, transport_options=options, connect_timeout=BROKER_TIMEOUT_SECONDS
        ) as broker:
            broker.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
            )
        return True
    except Exception:  # refused, timed out, unknown host, bad credentials: all "unavailable"
        return False


def _folders_writable(folders: list[str]) -> bool:
    try:
        for folder in folders:
            Path(folder).mkdir(parents=True, exist_ok=True)
            if not os.access(folder, os.W_OK | os.X_OK):
                return False
    except OSError:
        return False
    return True


def worker_ok() -> bool:
    """A worker ran the heartbeat task within the last five minutes (notifications.heartbeat)."""
    try:
        return WorkerHeartbeat.objects.filter(
            name="default", beat_at__gte=timezone.now() - WORKER_SILENCE
        ).exists()
    except Exception:  # the database failed between the two checks
        return False
