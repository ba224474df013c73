"""manage.py seed_scale (ressursvenner/scale/): a tiny national data set that is whole (every
constraint holds, every count is what the factor says, what retention would have removed is
gone, encrypted fields read back) and on which every role's main page renders."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Association, Coverage, Membership, Municipality, Role, Shelter, User
from bench.pages import cast, pages
from courses.models import Enrolment, Session
from matching import retention
from matching.models import OPEN_MATCH, Concern, Match, MatchStatus, Meeting, Referral
from notifications.models import Notification, OutboxMessage, OutboxStatus
from ressursvenner.management.commands.seed_scale import refusal
from ressursvenner.scale.fill import ALIASES, NOTES, Sizes
from tests.conftest import login
from volunteers.models import Status, Volunteer

FACTOR = 0.01


@pytest.fixture
def postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("seed_scale writes with PostgreSQL's COPY")


def test_refuses_a_database_that_may_be_real(postgresql, monkeypatch):
    User.objects.create(email="ingrid@nks.example")
    with pytest.raises(CommandError, match="already holds"):
        call_command("seed_scale", factor=FACTOR, any_database_name=True, verbosity=0)
    monkeypatch.setitem(connection.settings_dict, "NAME", "ressursvenner")
    assert "not named for measuring" in refusal(any_name=False)
    monkeypatch.setitem(connection.settings_dict, "NAME", "ressursvenner_bench_scale")
    assert "already holds" in refusal(any_name=False)


def test_a_tiny_national_data_set_is_whole_and_every_role_sees_her_pages(postgresql, client):
    call_command("seed_scale", factor=FACTOR, any_database_name=True, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys, checked now
    size = Sizes.at(FACTOR)
    today = timezone.localdate()

    # The counts the factor gives.
    assert Association.objects.count() == size.associations
    assert Association.objects.filter(is_active=True).count() == size.running
    assert Coverage.objects.count() == Municipality.objects.count()  # every municipality
    assert Shelter.objects.count() == size.shelters
    assert Volunteer.objects.count() == size.volunteers
    assert Referral.objects.count() == size.referrals
    assert Match.objects.filter(status=MatchStatus.ACTIVE).count() == size.active
    assert Meeting.objects.count() == size.meetings
    assert Concern.objects.count() == size.concerns
    assert Session.objects.count() == size.sessions
    # The supervision groups of a tiny set hold fewer than the target (at factor 1: 99 %).
    assert 0.5 * size.enrolments <= Enrolment.objects.count() <= size.enrolments

    # The pipeline and the programme's rules.
    statuses = {s: Volunteer.objects.filter(status=s).count() for s in Status.values}
    assert 0.4 < statuses[Status.APPROVED] / size.volunteers < 0.75
    assert all(statuses[s] for s in (Status.APPLIED, Status.SCREENING, Status.REJECTED))
    approved = Volunteer.objects.filter(status=Status.APPROVED)
    assert not approved.filter(user__isnull=True).exists()
    assert Membership.objects.active().filter(role=Role.VOLUNTEER).count() == (
        approved.count() + Volunteer.objects.filter(status=Status.PAUSED).count()
    )
    for association in Association.objects.filter(is_active=True):
        assert User.objects.active_coordinators_of(association).exists()
    running = Match.objects.filter(status__in=OPEN_MATCH)
    assert not running.exclude(volunteer__status=Status.APPROVED).exists()
    assert not running.filter(referral__erased_at__isnull=False).exists()
    assert not Volunteer.objects.filter(
        matches__status=MatchStatus.ACTIVE, last_matched_at=None
    ).exists()

    # Encrypted fields read back.
    referral = Referral.objects.filter(erased_at__isnull=True).order_by("pk").first()
    assert referral.alias in ALIASES
    assert Meeting.objects.exclude(note="").first().note in NOTES

    # What retention would have removed by today is gone.
    assert not Notification.objects.filter(read_at__lt=timezone.now() - timedelta(days=90)).exists()
    assert (
        not OutboxMessage.objects.filter(
            status=OutboxStatus.SENT, sent_at__lt=timezone.now() - timedelta(days=31)
        )
        .exclude(to="")
        .exists()
    )
    # Retention's own rule finds nothing left to erase; an ended case is kept past
    # RETENTION_ENDED_MATCH_DAYS only while it waits for the six-month answer.
    assert not retention.due(today).exists()
    kept = Referral.objects.filter(
        status="ended", closed_at__date__lt=today - timedelta(days=184), erased_at=None
    )
    assert not kept.filter(matches__later_moved_back__in=["yes", "no", "unknown"]).exists()
    assert not kept.filter(closed_at__date__lt=today - timedelta(days=213)).exists()
    erased = Referral.objects.filter(status="ended", erased_at__isnull=False)
    assert erased.exists()
    assert Match.objects.filter(referral__in=erased).exclude(later_moved_back="").exists()

    # Every role's main pages, as the page benchmark requests them.
    people = cast()
    who = {
        "coordinator": people.coordinator,
        "national admin": people.admin,
        "shelter staff": people.staff,
        "volunteer": people.volunteer,
    }
    for role, page in pages(people):
        login(client, who[role])
        if page.method == "POST":
            response = client.post(page.path, page.data)
        else:
            response = client.get(page.path)
        assert response.status_code == page.status, (role, page.name, page.path)
