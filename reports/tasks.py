"""Celery tasks: thin wrappers over the app's functions."""

from celery import shared_task

from reports import annual, snapshots


@shared_task(name="reports.refresh_statistics", ignore_result=True)
def refresh_statistics() -> None:
    """Every STATISTICS_REFRESH_MINUTES: the national statistics of the preset periods computed
    anew, and snapshots too old to be served deleted (reports/snapshots.py)."""
    snapshots.refresh()


@shared_task(name="reports.build_annual_report", ignore_result=True)
def build_annual_report(report_id: int) -> None:
    """An annual report's PDF and workbook (reports/annual.py), its progress saved as it goes."""
    annual.build(report_id)
