from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.services import AccessError, invitation_link, national_admin_invite


class Command(BaseCommand):
    help = (
        "Invite the first national admin (NKS sentralt) without a shell: a single-use link, "
        f"valid for {settings.INVITATION_VALID_DAYS} days, by which she makes her login and sets "
        "up two-step login. Sent by email, or printed with --print-link. (createsuperuser gives "
        "no role: it only makes a login for Django's admin pages.)"
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="her email address")
        parser.add_argument(
            "--print-link",
            action="store_true",
            help="print the link here instead of emailing it (when email is not set up yet)",
        )

    def handle(self, *args, email: str, print_link: bool, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Not a valid email address: {email!r}") from None
        try:
            # The email is queued in this transaction and goes out after commit.
            with transaction.atomic():
                invitation, token = national_admin_invite(email=email, send=not print_link)
        except AccessError as error:
            raise CommandError(str(error)) from None
        valid_until = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")
        if print_link:
            self.stdout.write(
                f"Give this link to {invitation.email} yourself; it works once, until "
                f"{valid_until}:\n{invitation_link(token)}"
            )
        else:
            self.stdout.write(
                f"An invitation was sent to {invitation.email}. The link works once, until "
                f"{valid_until}."
            )
