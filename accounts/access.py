"""Who may do what: two-step requirements and role checks for views. One place for each rule."""

from collections.abc import Callable, Iterable
from functools import wraps

from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import TWO_STEP_ROLES, Membership, Role, User

ACTING_SESSION_KEY = "rv_acting_membership"
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


def needs_two_step(user, memberships: Iterable[Membership]) -> bool:
    """Everyone who can see a woman's data, and anyone with the admin pages, uses two steps."""
    return user.is_staff or user.is_superuser or any(m.role in TWO_STEP_ROLES for m in memberships)


def has_two_step(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def two_step_passed(request: HttpRequest) -> bool:
    """The second step was passed in this session: at login, or by setting it up just now."""
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


def role_required(*roles: Role, switch: bool = False) -> Callable:
    """A view only for people acting in one of `roles`; others get 403.

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
                    raise PermissionDenied
                act_as(request, held)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
