"""How django-allauth behaves here: no public sign-up, a fresh session key at each login step,
Norwegian messages for lockout, and the one place the visitor's address comes from."""

import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts import mail
from accounts.access import has_two_step, mark_password_just_proved, needs_two_step
from accounts.models import Membership
from common import crypto


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _("The email address or the password is wrong."),
        # Filled from settings.LOGIN_LOCKOUT_MINUTES in validation_error().
        "too_many_login_attempts": ngettext_lazy(
            "Too many failed attempts. For your safety, logging in to this account is closed "
            "for a while. Try again in %(minutes)s minute, or use «Forgot your password?».",
            "Too many failed attempts. For your safety, logging in to this account is closed "
            "for a while. Try again in %(minutes)s minutes, or use «Forgot your password?».",
            "minutes",
        ),
    }

    def validation_error(self, code, *args):
        if code == "too_many_login_attempts":
            from django import forms

            message = self.error_messages[code] % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}
            return forms.ValidationError(message, code=code)
        return super().validation_error(code, *args)

    def get_client_ip(self, request: HttpRequest) -> str:
        """The visitor's address, for every limit per address (allauth's login lockout and the
        application form): allauth reads it from X-Forwarded-For as ALLAUTH_TRUSTED_PROXY_COUNT
        proxies wrote it, the entry the nearest of them appended.

        A header that cannot hold that entry (fewer entries than proxies, or no address at that
        place) did not come through our proxies as configured: then the peer's own address
        counts, as when there is no header at all. Never an error page: allauth would raise
        ImproperlyConfigured (a 500) or PermissionDenied for these.
        """
        try:
            return super().get_client_ip(request)
        except (ImproperlyConfigured, PermissionDenied):
            pass
        try:
            return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR", "").strip()))
        except ValueError:
            raise PermissionDenied("Unable to determine client IP address") from None

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails (password reset) go through our queue: sent in the background,
        so a known and an unknown address answer in the same time."""
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (c for c, mime in getattr(message, "alternatives", []) if mime == "text/html"), ""
        )
        user = context.get("user")
        mail.deliver(
            to=email,
            subject=message.subject,
            body=message.body,
            html=html,
            recipient=user if getattr(user, "pk", None) else None,
        )

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Logins come only by invitation (accounts.services.invitation_accept).
        return False

    def pre_login(self, request: HttpRequest, user, **kwargs):
        # The password was right. A new session key now, and Django's login() gives another
        # when the second step is passed, so no key seen before login survives either step.
        request.session.cycle_key()
        if not has_two_step(user):
            # She typed her password seconds ago: setting up two-step login next needs no
            # second proof of it (allauth would otherwise ask again at once).
            mark_password_just_proved(request, user)
        return super().pre_login(request, user, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        """Two-step secrets are stored encrypted, like every other secret (common.crypto)."""
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator) -> bool:
        """A role that must use two-step login cannot turn it off: the app stays. A security
        key can always be removed (the app is still there)."""
        if authenticator.type == Authenticator.Type.WEBAUTHN:
            return True
        user = authenticator.user
        memberships = Membership.objects.active().filter(user=user)
        return not needs_two_step(user, memberships)
