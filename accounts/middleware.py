import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access import (
    ACTING_SESSION_KEY,
    LAST_ACTIVITY_SESSION_KEY,
    LOGIN_AT_SESSION_KEY,
    Access,
    access_of,
    activity_stamp_interval,
    needs_two_step,
    two_step_passed,
)
from accounts.models import Membership, Role

# Pages a person who must set up two-step login may still reach.
TWO_STEP_SETUP_PAGES = frozenset(
    {
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "account_logout",
        "account_reauthenticate",
        "set_language",
        "session_keepalive",
        "privacy",
        "health",
    }
)
# Pages reachable before choosing which role to act in.
# The emergency page too: it switches a ressursvenn to her volunteer role itself.
ROLE_CHOICE_PAGES = TWO_STEP_SETUP_PAGES | {"role_switch", "mfa_index", "emergency"}


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class AccessMiddleware:
    """On every request of a logged-in person:

    1. ends a session from before "log out everywhere";
    2. loads her active memberships (a role removed takes effect on the very next request);
    3. ends the session of a two-step role after IDLE_TIMEOUT_SECONDS without activity;
    4. lets a two-step role reach nothing but the set-up of two-step login until it is set up
       and passed in this session;
    5. sets the membership she acts in (request.membership), and asks her to choose when she
       has several and has not chosen.

    Each step either lets the request go on (None) or answers it (a redirect), in this order.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.memberships = []
        user = request.user
        if not user.is_authenticated or request.path_info.startswith(settings.STATIC_URL):
            return self.get_response(request)

        if (response := _end_revoked_session(request)) is not None:
            return response
        access = access_of(user)
        memberships = _load_memberships(request, access.memberships)
        url_name = _url_name(request)
        if request.needs_two_step:
            now = int(time.time())
            if (response := _end_idle_session(request, now)) is not None:
                return response
            _touch_session(request, url_name, now)
            if (response := _require_two_step(request, access, url_name)) is not None:
                return response
        if (response := _set_acting_membership(request, memberships, url_name)) is not None:
            return response
        return self.get_response(request)


def _end_revoked_session(request):
    """Ends a session from before she chose "log out everywhere", on its next request."""
    user = request.user
    login_at = request.session.setdefault(LOGIN_AT_SESSION_KEY, int(time.time()))
    if user.sessions_revoked_at and login_at < user.sessions_revoked_at.timestamp():
        logout(request)
        return redirect("account_login")
    return None


def _load_memberships(request, memberships: list[Membership]) -> list[Membership]:
    """Her active memberships (request.memberships), and whether they call for two-step login
    (request.needs_two_step)."""
    request.memberships = memberships
    request.needs_two_step = needs_two_step(request.user, memberships)
    return memberships


def _end_idle_session(request, now: int):
    """Logs her out, and says why, after IDLE_TIMEOUT_SECONDS without activity; the login
    page then brings her back where she was."""
    last = request.session.get(LAST_ACTIVITY_SESSION_KEY)
    if last is None or now - last <= settings.IDLE_TIMEOUT_SECONDS:
        return None
    logout(request)
    minutes = max(1, settings.IDLE_TIMEOUT_SECONDS // 60)
    messages.info(
        request,
        ngettext(
            "You were logged out after %(minutes)s minute without activity.",
            "You were logged out after %(minutes)s minutes without activity.",
            minutes,
        )
        % {"minutes": minutes},
    )
    return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")


def _touch_session(request, url_name: str | None, now: int) -> None:
    """Records this request as activity (asking how long is left is not activity). The stamp is
    rewritten only when it is activity_stamp_interval() old, so most requests write no
    session; "stay logged in" always writes it."""
    if url_name == "session_status":
        return
    last = request.session.get(LAST_ACTIVITY_SESSION_KEY)
    if last is None or now - last >= activity_stamp_interval() or url_name == "session_keepalive":
        request.session[LAST_ACTIVITY_SESSION_KEY] = now


def _require_two_step(request, access: Access, url_name: str | None):
    """Without two-step login set up she may only set it up (and is told why); with it set up,
    a session that skipped the second step ends."""
    memberships = access.memberships
    if not access.has_two_step:
        if url_name in TWO_STEP_SETUP_PAGES:
            return None
        volunteer_only = all(m.role == Role.VOLUNTEER for m in memberships)
        messages.info(
            request,
            _(
                "As a ressursvenn you will see information about the woman you "
                "support. To keep it safe if someone gets hold of your phone or "
                "password, set up two-step login to continue."
            )
            if volunteer_only
            else _(
                "Your role gives access to sensitive information. Set up two-step login to continue."
            ),
        )
        return redirect("mfa_activate_totp")
    if not two_step_passed(request):
        # A session that skipped the second step (it cannot come through our login).
        logout(request)
        return redirect("account_login")
    return None


def _set_acting_membership(request, memberships: list[Membership], url_name: str | None):
    """The membership she acts in (request.membership): the one chosen in this session, or her
    only one. With several and none chosen, she is asked to choose (except on the pages she
    may reach before choosing)."""
    chosen = request.session.get(ACTING_SESSION_KEY)
    acting = next((m for m in memberships if m.pk == chosen), None)
    if acting is None and len(memberships) == 1:
        acting = memberships[0]
    request.user._acting_membership = acting
    request.membership = acting
    if acting is None and len(memberships) > 1 and url_name not in ROLE_CHOICE_PAGES:
        return redirect(f"{reverse('role_switch')}?{urlencode({'next': request.get_full_path()})}")
    return None
