"""`manage.py seed_scale [--factor F]`: the national data set for measuring (ressursvenner/scale/).

It writes some 900,000 rows of made-up people and cases, so it refuses every database that could
be a real one: not PostgreSQL, or any login, association, volunteer or referral already there,
or a database whose name says neither "bench" nor "scale" (unless --any-database-name).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import Association, User
from matching.models import Referral
from volunteers.models import Volunteer

NAME_MARKS = ("bench", "scale")


def refusal(*, any_name: bool) -> str | None:
    """Why this database must not be filled, or None."""
    if connection.vendor != "postgresql":
        return "seed_scale writes with PostgreSQL's COPY; this database is " + connection.vendor
    name = str(connection.settings_dict["NAME"])
    if not any_name and not any(mark in name.lower() for mark in NAME_MARKS):
        return (
            f"the database {name!r} is not named for measuring: its name must contain "
            f"{' or '.join(repr(m) for m in NAME_MARKS)} (or pass --any-database-name)"
        )
    for model in (User, Association, Volunteer, Referral):
        if model.objects.exists():
            return (
                f"the database {name!r} already holds {model._meta.verbose_name_plural}: "
                "seed_scale fills only an empty (freshly migrated) database"
            )
    return None


class Command(BaseCommand):
    help = (
        "Fill an empty PostgreSQL database with a national-scale data set for measuring: 400 "
        "associations, 45 shelters, 20,000 volunteers, 10,000 referrals over three years, 5,000 "
        "active matches, 300,000 meetings and what goes with them (at --factor 1). Refuses a "
        "database that holds any data or whose name contains neither 'bench' nor 'scale'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--factor",
            type=float,
            default=1.0,
            help="Scale every count (0.05 for a small set; minimums keep it whole). Default 1.",
        )
        parser.add_argument("--seed", type=int, default=15, help="The random seed (default 15).")
        parser.add_argument(
            "--any-database-name",
            action="store_true",
            help="Fill an empty database whatever its name (the tests' database).",
        )

    def handle(self, *args, factor: float, seed: int, any_database_name: bool, **options):
        from ressursvenner.scale.fill import Filler

        if factor <= 0:
            raise CommandError("--factor must be above 0.")
        problem = refusal(any_name=any_database_name)
        if problem:
            raise CommandError(f"seed_scale refused: {problem}.")
        verbose = options.get("verbosity", 1) > 0

        def say(text: str) -> None:
            if verbose:
                self.stdout.write(text)

        filler = Filler(factor, seed=seed, say=say)
        if verbose:
            self.stdout.write(f"Filling at factor {factor:g}: {filler.sizes}")
        filled = filler.run()
        if not connection.in_atomic_block:
            # As autovacuum would have by now: visibility maps and statistics (not in a
            # transaction, so not under the tests).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        if verbose:
            total = sum(filled.rows.values())
            self.stdout.write(
                f"Wrote {total:,} rows in {filled.seconds:.1f} s ({filled.encryptions} texts "
                "encrypted):"
            )
            for label, count in sorted(filled.rows.items()):
                self.stdout.write(f"  {label}: {count:,}")
