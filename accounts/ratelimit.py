"""A fixed-window counter in the shared cache, for forms open to anyone (the application)."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The visitor's address. Behind TRUSTED_PROXIES reverse proxies, the address the nearest
    trusted proxy saw (the right-most entries of X-Forwarded-For are the proxies' own)."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def allow(*, action: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt of `action` by `key`; False once `limit` is passed in the window."""
    cache_key = f"rl:{action}:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_seconds)
        return True
    return count <= limit
