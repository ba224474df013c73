from django.core.management.base import BaseCommand, CommandError

from ressursvenner.status import facts

MARK = {True: "ok", False: "FAILED", None: "-"}


class Command(BaseCommand):
    help = (
        "Print the state of the service for a person: database, broker, the worker's heartbeat, "
        "beat, the email outbox, the access log's unchained entries, the last backup, free disk, "
        "the keys' fingerprints. Exits non-zero when something is wrong (for cron, monit or "
        "Nagios). See docs/operations.md."
    )

    def handle(self, *args, **options):
        found = facts()
        width = max(len(fact.name) for fact in found)
        for fact in found:
            self.stdout.write(f"{fact.name:<{width}}  {MARK[fact.ok]:<6}  {fact.text}")
        failed = [fact.name for fact in found if fact.ok is False]
        if failed:
            raise CommandError(f"{len(failed)} wrong: {', '.join(failed)}.")
