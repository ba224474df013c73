from celery import shared_task

from accounts import audit, retention


@shared_task(name="accounts.retention_daily", ignore_result=True)
def retention_daily() -> None:
    """Every night: erase what retention says is due; pseudonymise old access log entries."""
    retention.run_all()


@shared_task(name="accounts.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    """Every night: expired sessions are removed (Django's clearsessions)."""
    retention.sessions_clear_expired()


@shared_task(name="accounts.chain_access_log", ignore_result=True)
def chain_access_log() -> None:
    """Every half minute: chain the access log entries written since the last run (page views
    write them unchained, so that they never wait for each other; accounts.audit)."""
    audit.chain_pending()
