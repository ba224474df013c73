from django.core.management.base import BaseCommand, CommandError

from accounts.audit import PROBLEMS_LISTED, verify
from accounts.models import AccessLog, AccessLogHead


class Command(BaseCommand):
    help = (
        "Check that the access log is whole: every entry signed with a key of AUDIT_LOG_KEYS "
        "(or, written before the chain was keyed, carrying its plain hash) and none changed, "
        "removed or inserted. Exits non-zero and names the first broken entry when it is not."
    )

    def handle(self, *args, **options):
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
        legacy = AccessLog.objects.filter(key_id="").count()
        self.stdout.write(
            f"The access log is whole: {total} entries, every one chained; {total - legacy} "
            f"signed with the audit key, {legacy} written before the chain was keyed and checked "
            "by their plain hash."
        )
        if head is not None:
            # Noted outside the database (a ticket, the monitoring), it also shows a later cut of
            # the newest entries by someone who kept an old copy of the head.
            self.stdout.write(f"Newest hash: {head.hash}")
