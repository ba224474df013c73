from django.core.management.base import BaseCommand, CommandError

from accounts.audit import verify
from accounts.models import AccessLog


class Command(BaseCommand):
    help = "Check that the access log is whole: no entry changed, removed or inserted."

    def handle(self, *args, **options):
        problems = verify()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"The access log has been tampered with ({len(problems)} problems).")
        self.stdout.write(
            f"The access log is whole: {AccessLog.objects.count()} entries, every one chained."
        )
