from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from accounts.demo import DEMO_DOMAIN
from accounts.models import User

# The demo's own addresses: its logins (accounts/demo.py), and its fictional volunteers
# (volunteers/demo.py), who get a login when a coordinator approves one in the demo.
DEMO_EMAIL_DOMAINS = (DEMO_DOMAIN, "frivillig.example")


def non_demo_users():
    """Logins that seed_demo did not make: their presence means a real database."""
    users = User.objects.all()
    for domain in DEMO_EMAIL_DOMAINS:
        users = users.exclude(email__iendswith=f"@{domain}")
    return users


class Command(BaseCommand):
    help = (
        "Create demo data for trying the service (idempotent: running it twice does no harm). "
        "Refuses to run when DEBUG is off or the database holds any login that is not a demo "
        "login, so demo logins with their published password never reach a real database."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refused: DEBUG is off (production); demo logins with the published "
                "password must never reach a real database."
            )
        others = non_demo_users().count()
        if others:
            raise CommandError(
                f"seed_demo refused: the database holds {others} login(s) that are not demo "
                f"logins (@{DEMO_DOMAIN}), so it may be a real one; seed only an empty or demo "
                "database (for a fresh demo, delete db.sqlite3* or point DATABASE_URL elsewhere)."
            )
        # Each app may contribute a demo.py with seed(stdout); lower floors run first.
        with transaction.atomic():
            for app_config in apps.get_app_configs():
                if module_has_submodule(app_config.module, "demo"):
                    import_module(f"{app_config.name}.demo").seed(self.stdout)
