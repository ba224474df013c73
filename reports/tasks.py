"""Celery tasks: thin wrappers over the app's functions."""

from celery import shared_task

from reports import snapshots


@shared_task(name="reports.refresh_statistics", ignore_result=True)
def refresh_statistics() -> None:
    """Every STATISTICS_REFRESH_MINUTES: the national statistics of the preset periods computed
    anew, and snapshots too old to be served deleted (reports/snapshots.py)."""
    snapshots.refresh()
