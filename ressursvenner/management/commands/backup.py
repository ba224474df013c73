from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ressursvenner import backup


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database: a pg_dump in custom format, named by the UTC time, "
        "with a manifest beside it (time, version, migrations, row counts, the fingerprints of "
        "the keys the data needs - never the keys). Into BACKUP_DIR unless --dir is given. "
        "See docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="the folder for the backup (default: BACKUP_DIR)")
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="then delete all but the newest N backups in the folder "
            "(default: BACKUP_KEEP; 0 keeps every one)",
        )

    def handle(self, *args, **options):
        directory = options["dir"] or settings.BACKUP_DIR
        if not directory:
            raise CommandError("No folder for the backup: set BACKUP_DIR or pass --dir.")
        keep = settings.BACKUP_KEEP if options["keep"] is None else options["keep"]
        if keep < 0:
            raise CommandError("--keep must be 0 (keep every backup) or more.")
        try:
            made = backup.backup_create(directory=Path(directory), keep=keep)
        except backup.BackupError as error:
            raise CommandError(f"Backup not made: {error}") from None
        manifest = made.manifest
        self.stdout.write(
            f"Backup: {made.path} ({manifest['size']} bytes, "
            f"{sum(manifest['row_counts'].values())} rows in {len(manifest['row_counts'])} "
            f"tables), manifest {backup.manifest_path(made.path).name}."
        )
        self.stdout.write(
            "It needs encryption key "
            + ", ".join(manifest["keys"]["field_encryption"])
            + " and access-log key "
            + ", ".join(manifest["keys"]["audit_log"])
            + " (fingerprints; the keys are not in the backup)."
        )
        for removed in made.removed:
            self.stdout.write(f"Removed the older {removed.name}.")
