from django.conf import settings
from django.core.checks import Warning, register


@register("security", deploy=True)
def shared_cache_for_login_limits(app_configs, **kwargs):
    """Login lockout and single-use two-step codes are counted in the cache: in production it
    must be shared by every web process, or an attacker gets a fresh count per process."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The cache is per process, so login lockout and single-use two-step codes are "
                "not shared between web processes.",
                hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/1.",
                id="accounts.W001",
            )
        ]
    return []
