"""Who may do what: two-step requirements and role checks for views. One place for each rule."""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import NoReturn

from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from accounts.models import TWO_STEP_ROLES, Membership, Role, User

logger = logging.getLogger(__name__)

ACTING_SESSION_KEY = "rv_acting_membership"
# The session's activity stamp is rewritten at most this often (a tenth of the idle timeout when
# that is shorter): a request that changes nothing else writes nothing. The idle timeout counts
# from the stamp, so it ends a session at most this much early, never late.
ACTIVITY_STAMP_INTERVAL_SECONDS = 60
# How long the cached copy of someone's access may be kept (it is keyed by her access_version,
# so a change never waits for this; it only bounds what the cache holds).
ACCESS_CACHE_SECONDS = 10 * 60
TWO_STEP_ENROLLED_SESSION_KEY = "rv_two_step_enrolled"
LAST_ACTIVITY_SESSION_KEY = "rv_last_activity"
LOGIN_AT_SESSION_KEY = "rv_login_at"


class AuthenticatedRequest(HttpRequest):
    """The request of a logged-in person, as AccessMiddleware leaves it: the annotation of a
    view behind login_required. Only for the type checker: at run time it is Django's
    HttpRequest with these attributes set."""

    user: User
    membership: Membership | None
    memberships: list[Membership]


class RoleRequest(AuthenticatedRequest):
    """Behind role_required: she acts in one of the view's roles."""

    membership: Membership


def activity_stamp_interval() -> int:
    return min(ACTIVITY_STAMP_INTERVAL_SECONDS, settings.IDLE_TIMEOUT_SECONDS // 10)


@dataclass(frozen=True)
class Access:
    """What a logged-in person may do, as the middleware needs it on every request."""

    memberships: list[Membership]
    has_two_step: bool


def access_of(user: User) -> Access:
    """Her active memberships (with their association and shelter) and whether she has set up
    two-step login: from the cache when her access has not changed since it was stored (the key
    holds user.access_version, which every change raises, see accounts/signals.py), else from
    the database. So a request usually spends no query on it, and a role removed still takes
    effect on the very next request, whichever process serves it."""
    key = f"rv:access:{user.pk}:{user.access_version}"
    try:
        cached = cache.get(key)
    except Exception:  # a cache that is down costs speed, never access
        logger.warning("The cache could not be read; access read from the database.")
        cached = None
    if isinstance(cached, Access):
        return cached
    access = Access(
        memberships=list(
            Membership.objects.active().filter(user=user).select_related("association", "shelter")
        ),
        has_two_step=has_two_step(user),
    )
    try:
        cache.set(key, access, ACCESS_CACHE_SECONDS)
    except Exception:
        logger.warning("The cache could not be written; access will be read again.")
    return access


def needs_two_step(user, memberships: Iterable[Membership]) -> bool:
    """Everyone who can see a woman's data, and anyone with the admin pages, uses two steps."""
    return user.is_staff or user.is_superuser or any(m.role in TWO_STEP_ROLES for m in memberships)


def has_two_step(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def two_step_passed(request: HttpRequest) -> bool:
    """The second step was passed in this session: at login, or by setting it up just now.

    allauth records each proof in the session (AUTHENTICATION_METHODS_SESSION_KEY); a second
    step is a record with method "mfa": a code from her app, a recovery code or a security key
    after her password, or a passkey login ("passwordless": allauth accepts that only when her
    device verified her with fingerprint, face or PIN, so one tap is both steps). A record of
    her password alone is not.
    """
    if request.session.get(TWO_STEP_ENROLLED_SESSION_KEY):
        return True
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def mark_password_just_proved(request: HttpRequest, user) -> None:
    """Record that `user` just typed her password, so allauth counts it as a fresh proof."""
    record_authentication(request, user, method="password", reauthenticated=True)


def act_as(request: AuthenticatedRequest, membership: Membership) -> None:
    """From now on in this session she acts in `membership` (one of her active ones: the caller
    takes it from request.memberships). Takes effect on this request too."""
    request.session[ACTING_SESSION_KEY] = membership.pk
    request.membership = membership
    request.user._acting_membership = membership


# Roles refused a page of another role as "not found" (404) rather than "forbidden" (403). A
# group leader sees only her own groups: a 403 on a match, a referral, another group or a
# volunteer's wellbeing answers would tell her that such a case exists; a 404 tells her nothing.
REFUSED_AS_NOT_FOUND = frozenset({Role.GROUP_LEADER})


def refuse(membership: Membership | None) -> NoReturn:
    """Refuse the page: 404 for someone acting in a role of REFUSED_AS_NOT_FOUND, else 403."""
    if membership is not None and membership.role in REFUSED_AS_NOT_FOUND:
        raise Http404
    raise PermissionDenied


def role_required(*roles: Role, switch: bool = False) -> Callable:
    """A view only for people acting in one of `roles`; others get 403 (a group leader 404,
    see REFUSED_AS_NOT_FOUND).

    With `switch`, someone who holds one of `roles` but acts in another is switched to it
    instead (for a page that must never stand in her way, like the emergency page).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request: AuthenticatedRequest, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in roles:
                held = next(
                    (m for m in getattr(request, "memberships", []) if m.role in roles), None
                )
                if not (switch and held):
                    refuse(membership)
                act_as(request, held)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
