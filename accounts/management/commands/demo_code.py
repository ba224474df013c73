import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_DOMAIN
from accounts.models import User


class Command(BaseCommand):
    help = "Print the current two-step code of a demo login (DEBUG only), so no phone is needed."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_code refused: DEBUG is off (production); it prints two-step codes of "
                "demo logins only, for demos."
            )
        if not email.lower().endswith(f"@{DEMO_DOMAIN}"):
            raise CommandError(f"demo_code refused: {email} is not a demo login (@{DEMO_DOMAIN}).")
        user = User.objects.filter(email__iexact=email).first()
        totp = (
            Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
            if user
            else None
        )
        if totp is None:
            raise CommandError(f"No two-step login is set up for {email}.")
        secret = decrypt(totp.data["secret"])
        now = int(time.time())
        period = 30
        code = format_hotp_value(hotp_value(secret, now // period))
        self.stdout.write(f"{code}  (valid for {period - now % period} more seconds)")
