"""The suggestions show her last supervision as information (not a rule), in the same query."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import ReferralStatus
from supervision.models import Attendance, GroupSession, SupervisionGroup

pytestmark = pytest.mark.django_db


def test_the_suggestions_show_her_last_supervision(
    client, coordinator, oslo, make_referral, make_volunteer
):
    referral = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    seen = make_volunteer(oslo, first_name="Sett")
    never = make_volunteer(oslo, first_name="Aldri")
    group = SupervisionGroup.objects.create(association=oslo, name="Gruppe")
    starts = timezone.now() - timedelta(days=20)
    session = GroupSession.objects.create(
        group=group, starts_at=starts, ends_at=starts + timedelta(hours=2), place="Huset"
    )
    Attendance.objects.create(session=session, volunteer=seen)
    response = client.get(reverse("referral_suggestions", args=[referral.public_id]))
    assert response.status_code == 200
    shown = {s.volunteer.pk: s.volunteer for s in response.context["result"].suggestions}
    assert shown[seen.pk].last_supervision == session.starts_at
    assert shown[never.pk].last_supervision is None
    assert response.content.decode().count("last-supervision") == 2
