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


def _is_loopback(host: str) -> bool:
    import ipaddress

    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register("security", deploy=True)
def public_addresses_are_real(app_configs, **kwargs):
    """In production the links in emails and the security contact must reach someone: the
    development SITE_URL points to the reader's own machine, and the example contact to nobody."""
    from urllib.parse import urlsplit

    from django.core.checks import Error

    errors = []
    host = urlsplit(settings.SITE_URL).hostname or ""
    if not host or _is_loopback(host):
        errors.append(
            Error(
                f"SITE_URL ({settings.SITE_URL}) points to a loopback address: the links in "
                "emails would lead to the reader's own machine.",
                hint="Set SITE_URL to the public address, e.g. https://ressursvenner.example.org.",
                id="accounts.E001",
            )
        )
    if settings.SECURITY_CONTACT.strip().lower() == "mailto:security@example.org":
        errors.append(
            Error(
                "SECURITY_CONTACT is the example address mailto:security@example.org: "
                "vulnerability reports (/.well-known/security.txt) would reach nobody.",
                hint="Set SECURITY_CONTACT to an address that is read, e.g. mailto:sikkerhet@…",
                id="accounts.E002",
            )
        )
    return errors
