"""The nightly backup, on the beat schedule when BACKUP_DIR is set (settings, docs/operations.md)."""

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings

from ressursvenner import backup

logger = logging.getLogger(__name__)


@shared_task(name="ressursvenner.backup_nightly", ignore_result=True)
def backup_nightly() -> None:
    """Every night: a backup into BACKUP_DIR, keeping the newest BACKUP_KEEP. It runs on the
    worker that takes it (BACKUP_QUEUE), so the file lands on that worker's host."""
    if not settings.BACKUP_DIR:
        logger.error("Nightly backup: BACKUP_DIR is not set on this worker's host; no backup made.")
        return
    try:
        made = backup.backup_create(directory=Path(settings.BACKUP_DIR), keep=settings.BACKUP_KEEP)
    except backup.BackupBusy as busy:
        logger.warning("Nightly backup: %s", busy)
        return
    except backup.BackupError as error:
        logger.error("Nightly backup failed: %s", error)
        return
    logger.info(
        "Nightly backup: %s (%s bytes); %s older removed.",
        made.path.name,
        made.manifest["size"],
        len(made.removed),
    )
