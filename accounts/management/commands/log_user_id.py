from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from common.logcontext import log_user_id


class Command(BaseCommand):
    help = (
        "Print the pseudonymous id the application log uses for a login (the `user` field), to "
        "search the logs for one person's steps; with --who, the login an id belongs to. Needs "
        "the server's SECRET_KEY: for an authorised admin on the server only."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", nargs="?", help="the login's email address")
        parser.add_argument("--who", metavar="ID", help="a pseudonymous id from a log line")

    def handle(self, *args, email: str | None = None, who: str | None = None, **options):
        if bool(email) == bool(who):
            raise CommandError("Give either an email address or --who ID.")
        if email:
            user = User.objects.filter(email__iexact=email.strip()).first()
            if user is None:
                raise CommandError(f"No login with the address {email}.")
            self.stdout.write(log_user_id(user.pk))
            return
        wanted = (who or "").strip().lower()
        for pk, address in User.objects.values_list("pk", "email").iterator():
            if log_user_id(pk) == wanted:
                self.stdout.write(address)
                return
        raise CommandError(
            f"No login has the id {who} (or SECRET_KEY has changed since the line was written)."
        )
