from django.core.management.base import BaseCommand, CommandError

from accounts.audit import CHAIN_LATE, PROBLEMS_LISTED, chain_pending, verify, waiting
from accounts.models import AccessLog, AccessLogHead


class Command(BaseCommand):
    help = (
        "Chain the access log entries written since the last run, then check that the log is "
        "whole: every chained entry signed with a key of AUDIT_LOG_KEYS (or, written before the "
        "chain was keyed, carrying its plain hash), none changed, removed, inserted or moved, "
        "and every entry still waiting to be chained sealed with the audit key. Exits non-zero "
        "and names the first broken entry when it is not."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-chain",
            action="store_true",
            help=(
                "Only read: do not chain the waiting entries first (on a restored copy, or to "
                "look before anything changes). They are checked by their seal and counted."
            ),
        )

    def handle(self, *args, **options):
        if not options["no_chain"]:
            chain_pending()
        problems = verify()
        if problems:
            self.stderr.write(f"The access log has been tampered with. First: {problems[0]}.")
            for problem in problems[1:PROBLEMS_LISTED]:
                self.stderr.write(f"Then: {problem}.")
            if len(problems) > PROBLEMS_LISTED:
                self.stderr.write(f"… and {len(problems) - PROBLEMS_LISTED} more problems.")
            raise CommandError(
                f"The access log is not whole ({len(problems)} problems); "
                f"the first broken: {problems[0]}."
            )
        head = AccessLogHead.objects.filter(pk=1).first()
        total = AccessLog.objects.count()
        pending = waiting()
        legacy = AccessLog.objects.filter(key_id="", chain_position__isnull=False).count()
        signed = total - pending.count - legacy
        chained = "every one chained" if not pending.count else f"{total - pending.count} chained"
        text = (
            f"The access log is whole: {total} entries, {chained}; {signed} signed with the "
            f"audit key, {legacy} written before the chain was keyed and checked by their plain "
            "hash"
        )
        if pending.count:
            text += (
                f"; {pending.count} waiting to be chained, each sealed with the audit key (a "
                "removal among these would not show until they are chained)"
            )
        self.stdout.write(text + ".")
        if pending.late():
            self.stderr.write(
                f"Entries have waited more than {int(CHAIN_LATE.total_seconds()) // 60} minutes "
                "to be chained: is beat running, and a worker? (manage.py status)"
            )
        if head is not None:
            # Noted outside the database (a ticket, the monitoring), it also shows a later cut of
            # the newest entries by someone who kept an old copy of the head.
            self.stdout.write(f"Newest hash: {head.hash}")
