from django.core.management.base import BaseCommand

from accounts.models import County, Municipality
from accounts.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Load or refresh the counties and municipalities from accounts/data/ (idempotent)."

    def handle(self, *args, **options):
        counties, municipalities = load_reference_data(County, Municipality)
        self.stdout.write(f"Reference data: {counties} counties, {municipalities} municipalities.")
