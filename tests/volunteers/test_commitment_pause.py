"""Pausing a volunteer pauses her year: on resuming, her commitment's end moves by the days
she was paused, and her page's commitment history says so."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from common.dates import add_years
from tests.conftest import login
from tests.factories import volunteer
from volunteers import services
from volunteers.models import CommitmentPause, CommitmentPeriod, Status

pytestmark = pytest.mark.django_db


def _approved(association) -> tuple:
    person = volunteer(association, status=Status.APPROVED, approved_at=timezone.now())
    start = timezone.localdate() - timedelta(days=60)
    period = CommitmentPeriod.objects.create(
        volunteer=person, starts_on=start, ends_on=add_years(start, 1)
    )
    return person, period


def test_pausing_for_n_days_moves_the_end_of_her_year_by_n_days(
    client, oslo, coordinator_oslo, monkeypatch
):
    person, period = _approved(oslo)
    planned_end = period.ends_on
    today = timezone.localdate()
    paused_on = today - timedelta(days=12)
    # She was paused twelve days ago...
    monkeypatch.setattr(timezone, "localdate", lambda *a: paused_on)
    services.volunteer_transition(volunteer=person, to=Status.PAUSED)
    monkeypatch.undo()
    pause = CommitmentPause.objects.get(period=period)
    assert (pause.paused_on, pause.resumed_on, pause.days) == (paused_on, None, None)
    period.refresh_from_db()
    assert period.ends_on == planned_end  # not yet: the pause is still going on

    login(client, coordinator_oslo)
    page = client.get(person.get_absolute_url()).content.decode()
    assert "På pause siden" in page
    # ... and resumes today, from her page.
    response = client.post(
        reverse("volunteer_transition", args=[person.public_id]), {"to": Status.APPROVED}
    )
    assert response.status_code == 302
    period.refresh_from_db()
    pause.refresh_from_db()
    assert period.ends_on == planned_end + timedelta(days=12)
    assert (pause.resumed_on, pause.days) == (today, 12)
    assert (pause.ends_on_before, pause.ends_on_after) == (planned_end, period.ends_on)
    page = client.get(person.get_absolute_url(), follow=True).content.decode()
    new_end = period.ends_on.strftime("%d.%m.%Y")
    # The message:
    assert "Bindingstiden hennes er forlenget med 12 dager fordi hun hadde pause" in page
    # The history line under her commitment period.
    assert (
        f"På pause {paused_on:%d.%m.%Y}–{today:%d.%m.%Y}: slutten på bindingstiden ble "
        f"flyttet 12 dager, fra {planned_end:%d.%m.%Y} til {new_end}."
    ) in page


def test_the_rule_in_one_place_counts_the_days_and_leaves_others_alone(oslo):
    person, period = _approved(oslo)
    _other, other_period = _approved(oslo)
    CommitmentPause.objects.create(period=period, paused_on=date(2026, 3, 1))
    end = period.ends_on
    pause = services.commitment_pause_end(person, on=date(2026, 3, 31))
    period.refresh_from_db()
    assert pause.days == 30 and period.ends_on == end + timedelta(days=30)
    other_period.refresh_from_db()
    assert other_period.ends_on == add_years(other_period.starts_on, 1)
    # No open pause: nothing moves.
    assert services.commitment_pause_end(person, on=date(2026, 4, 30)) is None
    period.refresh_from_db()
    assert period.ends_on == end + timedelta(days=30)


def test_a_pause_and_resume_on_the_same_day_moves_nothing(oslo):
    person, period = _approved(oslo)
    end = period.ends_on
    services.volunteer_transition(volunteer=person, to=Status.PAUSED)
    services.volunteer_transition(volunteer=person, to=Status.APPROVED)
    period.refresh_from_db()
    assert period.ends_on == end
    assert CommitmentPause.objects.get(period=period).days == 0


def test_her_data_export_lists_her_pauses(oslo):
    from volunteers.exports import volunteer_export

    person, period = _approved(oslo)
    CommitmentPause.objects.create(period=period, paused_on=date(2026, 3, 1))
    services.commitment_pause_end(person, on=date(2026, 3, 15))
    [commitment] = volunteer_export(person)["commitments"]
    assert commitment["pauses"] == [{"paused": "2026-03-01", "resumed": "2026-03-15", "days": 14}]
