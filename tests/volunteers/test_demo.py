"""The demo's volunteers as a newcomer sees them: nothing that happens in the future."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from volunteers.models import CommitmentPeriod, Status, Volunteer

pytestmark = pytest.mark.django_db


def test_no_demo_volunteer_is_approved_in_the_future_and_her_year_has_begun(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    now = timezone.now()
    approved = Volunteer.objects.filter(status__in=[Status.APPROVED, Status.PAUSED])
    assert approved.exists()
    assert not approved.filter(approved_at__gt=now).exists()
    # The first year of each begins on her approval, in the past; only a renewal starts later.
    firsts = CommitmentPeriod.objects.exclude(volunteer__commitments__end_reason="renewed")
    assert not firsts.filter(starts_on__gt=timezone.localdate()).exists()
