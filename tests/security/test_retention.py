"""Retention: what is erased and when, the warning 30 days ahead, the facts that remain, and
data requests."""

import json
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.retention import run_all
from common import crypto
from matching import services
from matching.models import (
    Concern,
    Match,
    MatchStatus,
    Meeting,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from matching.reminders import NO_MEETING_COORDINATOR, NO_MEETING_VOLUNTEER
from notifications.models import Notification
from notifications.reminders import sweep
from reports.figures import collect
from reports.periods import Period
from tests.conftest import login
from volunteers.models import Status, Volunteer
from volunteers.reminders import RETENTION_SOON

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended_case(oslo, volunteer_oslo, make_volunteer, make_referral):
    nora = make_volunteer(oslo, user=volunteer_oslo)
    referral = make_referral(
        oslo,
        alias="Sentinelia",
        status=ReferralStatus.ENDED,
        safety_notes="SENTINEL",
        phone="+4799887766",
        considerations=3,
        languages=("ar",),
    )
    started = timezone.localdate() - timedelta(days=400)
    match = Match.objects.create(
        referral=referral,
        volunteer=nora,
        status=MatchStatus.ACTIVE,
        started_on=started,
        planned_end_on=started + timedelta(days=365),
        first_meeting_place="SENTINEL-PLACE",
    )
    ReferralEvent.objects.create(
        referral=referral, kind=ReferralEvent.Kind.TRANSFERRED, reason="SENTINEL-REASON"
    )
    services.meeting_log(
        match=match,
        by=volunteer_oslo,
        day=started + timedelta(days=5),
        met=True,
        minutes=60,
        activities=1,
        note="SENTINEL-NOTE",
        concern="SENTINEL-CONCERN",
    )
    Match.objects.filter(pk=match.pk).update(
        status=MatchStatus.ENDED,
        # Past the six-month follow-up's grace too (182 + 30 days; tests/matching/test_later_outcome.py).
        ended_on=timezone.localdate() - timedelta(days=215),
        outcome_moved_back="no",
    )
    return referral


def _facts():
    return (
        list(
            Referral.objects.values_list(
                "pk", "created_at", "municipality_id", "age_bracket", "status", "association_id"
            )
        ),
        list(
            Match.objects.values_list(
                "pk", "started_on", "ended_on", "outcome_moved_back", "status", "end_reason"
            )
        ),
        list(Meeting.objects.values_list("pk", "date", "met", "minutes", "activities")),
        Concern.objects.count(),
    )


def test_an_ended_match_is_erased_after_six_months_and_the_statistical_facts_stay(ended_case):
    before = _facts()
    history = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Referral), object_pk=str(ended_case.pk)
    )
    assert history.exists()  # there is a history to erase
    assert run_all()["matching"] == 1
    referral = Referral.objects.get(pk=ended_case.pk)
    assert referral.erased_at is not None
    assert (referral.alias, referral.safety_notes, referral.phone, referral.considerations) == (
        "–",
        "",
        "",
        0,
    )
    assert not referral.languages.exists()
    assert Meeting.objects.get().note == "" and Concern.objects.get().text == "–"
    assert Match.objects.get().first_meeting_place == ""
    assert set(referral.events.values_list("reason", flat=True)) == {""}
    # Her alias is gone from the column (encrypted "–") and from the change history.
    with connection.cursor() as cursor:
        cursor.execute("SELECT alias FROM matching_referral WHERE id = %s", [referral.pk])
        assert crypto.decrypt(cursor.fetchone()[0]) == "–"
    assert not history.exists()
    assert _facts() == before
    assert run_all()["matching"] == 0  # once


def test_the_statistics_are_the_same_after_erasure(ended_case, oslo):
    """Erasure removes who she was, never that the match happened or how it ended."""
    period = Period(timezone.localdate() - timedelta(days=3 * 365), timezone.localdate())
    before = collect(period, [oslo.pk])
    assert before.totals["outcome_no"] == 1  # the figure is there to lose
    run_all()
    assert Referral.objects.get(pk=ended_case.pk).erased_at is not None
    after = collect(period, [oslo.pk])
    assert (after.rows, after.totals, after.monthly) == (before.rows, before.totals, before.monthly)


def test_nothing_is_erased_before_its_time(ended_case):
    Match.objects.filter(referral=ended_case).update(
        ended_on=timezone.localdate() - timedelta(days=100)
    )
    assert run_all()["matching"] == 0
    assert Referral.objects.get(pk=ended_case.pk).safety_notes == "SENTINEL"


def test_a_withdrawn_referral_never_matched_is_erased_after_three_months(oslo, make_referral):
    referral = make_referral(
        oslo,
        status=ReferralStatus.WITHDRAWN,
        safety_notes="SENTINEL",
        closed_at=timezone.now() - timedelta(days=95),
    )
    fresh = make_referral(
        oslo,
        status=ReferralStatus.WITHDRAWN,
        safety_notes="KEEP",
        closed_at=timezone.now() - timedelta(days=30),
    )
    run_all()
    assert Referral.objects.get(pk=referral.pk).safety_notes == ""
    assert Referral.objects.get(pk=fresh.pk).safety_notes == "KEEP"


def test_a_volunteer_who_left_is_erased_six_months_after_her_last_year(oslo, volunteer_oslo):
    from tests.factories import volunteer

    gone = volunteer(
        oslo,
        status=Status.ENDED,
        first_name="Sentinella",
        user=volunteer_oslo,
        email=volunteer_oslo.email,
        interview_note="SENTINEL",
    )
    Volunteer.objects.filter(pk=gone.pk).update(
        status_changed_at=timezone.now() - timedelta(days=200)
    )
    run_all()
    gone.refresh_from_db()
    assert (
        gone.first_name == "–"
        and gone.interview_note == ""
        and gone.email.endswith("@invalid.example")
    )
    volunteer_oslo.refresh_from_db()
    assert not volunteer_oslo.is_active and not volunteer_oslo.has_usable_password()


def test_coordinators_are_warned_thirty_days_ahead(oslo, coordinator_oslo, ended_case):
    Match.objects.filter(referral=ended_case).update(
        ended_on=timezone.localdate() - timedelta(days=185)  # erased at 212, not recorded
    )
    sweep()
    assert Notification.objects.filter(recipient=coordinator_oslo, kind=RETENTION_SOON).count() == 1


@pytest.mark.parametrize("who", ["coordinator_oslo", "shelter_worker_oslo"])
def test_the_referral_page_offers_to_record_that_she_withdraws_her_consent(
    client, oslo, make_referral, who, request
):
    referral = make_referral(oslo, status=ReferralStatus.ACTIVE)
    client.cookies["rv_language"] = "en"
    login(client, request.getfixturevalue(who))
    url = reverse("referral_consent_withdrawn", args=[referral.public_id])
    page = client.get(referral.get_absolute_url()).content.decode()
    assert f'<a href="{url}">Record that she withdraws her consent</a>' in page
    assert "<h1>Record that she withdraws her consent</h1>" in client.get(url).content.decode()


def test_withdrawn_consent_ends_the_match_stops_reminders_and_erases(
    client,
    oslo,
    coordinator_oslo,
    shelter_worker_oslo,
    volunteer_oslo,
    make_volunteer,
    make_referral,
):
    nora = make_volunteer(oslo, user=volunteer_oslo)
    referral = make_referral(oslo, status=ReferralStatus.ACTIVE, safety_notes="SENTINEL")
    started = timezone.localdate() - timedelta(days=40)
    match = Match.objects.create(
        referral=referral,
        volunteer=nora,
        status=MatchStatus.ACTIVE,
        started_on=started,
        planned_end_on=started + timedelta(days=365),
    )
    login(client, shelter_worker_oslo)
    assert (
        "Dette kan ikke angres"
        in client.get(
            reverse("referral_consent_withdrawn", args=[referral.public_id])
        ).content.decode()
    )
    client.post(reverse("referral_consent_withdrawn", args=[referral.public_id]))
    match.refresh_from_db()
    referral.refresh_from_db()
    assert match.status == MatchStatus.ENDED and match.outcome_moved_back == "unknown"
    assert referral.erased_at and referral.safety_notes == ""
    sweep()  # no reminder about the match any more
    assert not Notification.objects.filter(
        kind__in=[NO_MEETING_VOLUNTEER, NO_MEETING_COORDINATOR]
    ).exists()


def test_a_data_request_for_her_contains_everything_and_who_looked(
    client, oslo, coordinator_oslo, shelter_worker_oslo, ended_case
):
    login(client, shelter_worker_oslo)
    client.get(ended_case.get_absolute_url())
    client.logout()
    login(client, coordinator_oslo)
    response = client.get(reverse("referral_data", args=[ended_case.public_id]) + "?format=json")
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert (
        data["referral"]["alias"] == "Sentinelia" and data["referral"]["safety_notes"] == "SENTINEL"
    )
    assert data["matches"][0]["meetings"][0]["note"] == "SENTINEL-NOTE"
    assert data["matches"][0]["concerns"][0]["text"] == "SENTINEL-CONCERN"
    assert [e["role"] for e in data["access_log"]][:1] == ["shelter_staff"]
    assert (
        "Sentinelia"
        in client.get(reverse("referral_data", args=[ended_case.public_id])).content.decode()
    )


def test_the_shelters_data_request_holds_what_the_shelter_may_see_and_no_meeting_notes(
    client, oslo, shelter_worker_oslo, ended_case
):
    login(client, shelter_worker_oslo)
    url = reverse("referral_data", args=[ended_case.public_id])
    data = json.loads(client.get(url + "?format=json").content)
    assert data["referral"]["alias"] == "Sentinelia"
    assert "matches" not in data
    page = client.get(url).content.decode()
    assert "Sentinelia" in page
    for secret in ("SENTINEL-NOTE", "SENTINEL-CONCERN"):
        assert secret not in json.dumps(data) and secret not in page
    assert "be koordinatoren der om hele utleveringen" in page


def test_a_volunteers_data_request_and_erasure_on_withdrawn_consent(client, oslo, coordinator_oslo):
    from tests.factories import volunteer

    applicant = volunteer(oslo, first_name="Sentinella", status=Status.SCREENING)
    login(client, coordinator_oslo)
    data = json.loads(
        client.get(reverse("volunteer_data", args=[applicant.public_id]) + "?format=json").content
    )
    assert data["person"]["first_name"] == "Sentinella"
    client.post(reverse("volunteer_erase", args=[applicant.public_id]))
    applicant.refresh_from_db()
    assert applicant.first_name == "–" and applicant.status == Status.ENDED and applicant.erased_at
    from accounts.models import AccessLog

    assert AccessLog.objects.filter(action="erase", object_id=str(applicant.public_id)).exists()


def test_log_out_everywhere(client, oslo, coordinator_oslo, volunteer_oslo, make_volunteer):
    from django.test import Client

    nora = make_volunteer(oslo, user=volunteer_oslo)
    phone = Client()
    login(phone, volunteer_oslo)
    assert phone.get(reverse("my_page")).status_code == 200
    login(client, coordinator_oslo)
    client.post(reverse("volunteer_log_out_everywhere", args=[nora.public_id]))
    assert phone.get(reverse("my_page")).status_code == 302
