"""Start pages ask the database a fixed number of questions, however busy the association is
(issue 15: at most 15 queries for every main page, the same with 3 and with 30 of everything)."""

from datetime import timedelta

from django.utils import timezone

from courses.models import Course, Session
from matching.models import Concern, FollowUp, MatchStatus, Meeting, ReferralStatus
from tests.conftest import login
from tests.factories import volunteer
from tests.querycount import assert_constant_queries
from volunteers.models import Status


def _busy_association(association, make_volunteer, make_match, make_referral):
    """grow(n): n more of everything the coordinator's start page counts."""
    course = Course.objects.filter(is_active=True).first()

    def grow(n: int) -> None:
        now = timezone.now()
        for i in range(n):
            make_referral(association)
            make_referral(association, status=ReferralStatus.BEING_MATCHED)
            make_match(make_volunteer(association), status=MatchStatus.PROPOSED)
            running = make_match(
                make_volunteer(
                    association, commitment_ends=timezone.localdate() + timedelta(days=10)
                )
            )
            running.started_on = timezone.localdate() - timedelta(days=60)
            running.planned_end_on = timezone.localdate() + timedelta(days=5)
            running.save()
            FollowUp.objects.create(match=running, kind="1m", due_on=timezone.localdate())
            Concern.objects.create(match=running, text="Uro")
            volunteer(association, status=Status.APPLIED, first_name=f"Søker{i}")
            Session.objects.create(
                course=course,
                association=association,
                starts_at=now + timedelta(days=1, hours=i),
                ends_at=now + timedelta(days=1, hours=i + 1),
                place="Lokalet",
                capacity=10,
            )

    return grow


def test_the_coordinators_start_page(
    client, oslo, coordinator_oslo, make_volunteer, make_match, make_referral
):
    login(client, coordinator_oslo)
    grow = _busy_association(oslo, make_volunteer, make_match, make_referral)
    assert assert_constant_queries(client, "/", grow) <= 14


def test_the_national_admins_start_page(
    client, oslo, bergen, national_admin, make_volunteer, make_match, make_referral
):
    login(client, national_admin)
    assert_constant_queries(
        client, "/", _busy_association(oslo, make_volunteer, make_match, make_referral)
    )


def test_the_volunteers_own_pages(client, oslo, volunteer_oslo, make_volunteer, make_match):
    nora = make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)
    match = make_match(nora)

    def grow(n: int) -> None:
        for i in range(n):
            Meeting.objects.create(
                match=match,
                date=timezone.localdate() - timedelta(days=i % 300),
                met=True,
                minutes=60,
            )

    login(client, volunteer_oslo)
    for url in ("/min-side/", "/min-side/kobling/", "/min-side/moter/", "/min-side/moter/ny/"):
        assert_constant_queries(client, url, grow)
