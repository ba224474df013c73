"""The daily retention job: each app's `retention.py` erases what is due; the access log loses
the link to the person after RETENTION_ACCESS_LOG_DAYS. (Apps are found through the registry,
so accounts imports no domain app.)"""

from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from accounts.audit import pseudonymise_older_than


def run_all(today=None) -> dict[str, int]:
    today = today or timezone.localdate()
    result = {}
    for app_config in apps.get_app_configs():
        if app_config.name != "accounts" and module_has_submodule(app_config.module, "retention"):
            result[app_config.name] = import_module(f"{app_config.name}.retention").run(today)
    cutoff = timezone.now() - timedelta(days=settings.RETENTION_ACCESS_LOG_DAYS)
    result["access_log_pseudonymised"] = pseudonymise_older_than(cutoff)
    return result


def sessions_clear_expired() -> None:
    """Remove expired sessions from the configured session store, as `manage.py clearsessions`
    does. A session that outlived its login still holds who she was and which role she acted
    in; expired, it only waits to be read by whoever gets the database or a backup.

    Side effects: deletes the expired sessions (for the database engine, their rows).
    """
    engine = import_module(settings.SESSION_ENGINE)
    store: type[SessionBase] = engine.SessionStore
    store.clear_expired()
