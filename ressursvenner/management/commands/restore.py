from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ressursvenner import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database. First checks "
        "the manifest beside it: the file is whole, this code knows its migrations, and this "
        "server holds the keys it was made with (refused otherwise, before anything changes). "
        "Restores in one transaction, then checks the row counts, the access log's chain and "
        "that the encrypted fields decrypt. Stop the web server, the workers and beat first. "
        "See docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .dump file (its .json manifest beside it)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore even when this server lacks a key the backup was made with "
            "(what that key encrypted cannot be read)",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, **options):
        try:
            plan = backup.restore_prepare(Path(options["file"]), force=options["force"])
        except backup.BackupError as error:
            raise CommandError(
                f"Restore {error}"
                if str(error).startswith("refused")
                else f"Restore not started: {error}"
            ) from None
        for note in plan.notes:
            self.stdout.write(note)
        database = connection.settings_dict["NAME"]
        if options["interactive"]:
            answer = input(
                f"This replaces the data in the database {database} with the backup's. "
                "Type 'yes' to go on: "
            )
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            backup.restore_run(plan)
        except backup.BackupError as error:
            raise CommandError(f"Restore failed: {error}") from None
        problems = backup.restore_verify(plan.manifest)
        if problems:
            raise CommandError(
                f"Restored into {database}, but the check after it failed: {'; '.join(problems)}."
            )
        manifest = plan.manifest
        self.stdout.write(
            f"Restored {plan.dump.name} into {database} and checked it: the row counts of "
            f"{len(manifest['row_counts'])} tables match the manifest, the access log's chain "
            "verifies up to the backup's newest entry, and the sampled encrypted fields and "
            "two-step secrets decrypt."
        )
