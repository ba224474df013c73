from django.core.management.base import BaseCommand, CommandError

from accounts.audit import HeadNotResumed, chain_pending, head_resume


class Command(BaseCommand):
    help = (
        "Chain the access log entries waiting to be chained now (beat's task does it every "
        "30 seconds). Exits non-zero when the chain head cannot be trusted and nothing was "
        "chained; see docs/security.md, 'How the chain is written'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--resume-after-tampering",
            action="store_true",
            help=(
                "First sign the head again at the newest chained entry, so that chaining goes "
                "on after the head or the newest entries were tampered with. Only once "
                "verify_audit_log's report is kept with the incident: what was cut off before "
                "is gone for good."
            ),
        )

    def handle(self, *args, **options):
        if options["resume_after_tampering"]:
            try:
                newest = head_resume()
            except HeadNotResumed as refused:
                raise CommandError(f"{refused}.") from refused
            self.stdout.write(
                "The chain head was signed again at "
                + (f"entry {newest.pk}." if newest else "the start of an empty chain.")
            )
        run = chain_pending()
        if run.stopped:
            raise CommandError(
                f"Nothing was chained: {run.stopped}. Run verify_audit_log --no-chain."
            )
        self.stdout.write(f"Chained {run.chained} entries.")
        if run.refused:
            self.stderr.write(
                f"{len(run.refused)} waiting entries were not chained: their seal does not "
                "verify (verify_audit_log names them)."
            )
