from django.core.management.base import BaseCommand

from notifications.reminders import sweep


class Command(BaseCommand):
    help = "Run the daily reminder sweep now (each reminder is still sent once). --dry-run only prints."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be sent; send nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        result = sweep(dry_run=dry_run)
        if dry_run:
            total = 0
            for rule, due in result.would_send.items():
                total += len(due)
                self.stdout.write(f"{rule}: {len(due)} would be sent")
                for item in due:
                    self.stdout.write(
                        f"  object {item.object_id} → user {item.recipient_id} ({item.period or '-'}) {item.link}"
                    )
            self.stdout.write(f"Dry run: {total} reminders would be sent; nothing was sent.")
            return
        for rule, count in result.sent.items():
            self.stdout.write(f"{rule}: {count} sent")
        self.stdout.write(f"Sent {sum(result.sent.values())} reminders.")
