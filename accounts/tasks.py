from celery import shared_task

from accounts import retention


@shared_task(name="accounts.retention_daily", ignore_result=True)
def retention_daily() -> None:
    """Every night: erase what retention says is due; pseudonymise old access log entries."""
    retention.run_all()


@shared_task(name="accounts.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    """Every night: expired sessions are removed (Django's clearsessions)."""
    retention.sessions_clear_expired()
