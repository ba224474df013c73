from django.conf import settings

from accounts.access import activity_stamp_interval


def acting_role(request) -> dict:
    membership = getattr(request, "membership", None)
    return {
        "acting_membership": membership,
        "other_memberships": [m for m in getattr(request, "memberships", []) if m != membership],
        "idle_timeout_seconds": (
            settings.IDLE_TIMEOUT_SECONDS if getattr(request, "needs_two_step", False) else None
        ),
        "idle_warning_seconds": settings.IDLE_WARNING_SECONDS,
        "idle_stamp_interval_seconds": activity_stamp_interval(),
    }
