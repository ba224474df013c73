"""The group leader role: given and taken with the group, her one-screen start page, her group's
pages, and nothing about any woman or match."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import TWO_STEP_ROLES, Membership, Role
from courses.models import Enrolment, Session
from matching.models import Concern, FollowUp, Match, Meeting, Referral
from supervision.models import Attendance, GroupSession, SupervisionGroup
from tests.conftest import login
from tests.factories import person, volunteer
from tests.matching.conftest import make_match, make_referral  # noqa: F401 (fixtures)
from volunteers.models import Volunteer, WellbeingCheck

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def leader_user(oslo):
    return person(Role.VOLUNTEER, place=oslo, first_name="Gro", email="gro@example.no")


@pytest.fixture
def leader(oslo, leader_user):
    return volunteer(
        oslo, status="approved", user=leader_user, first_name="Gro", email=leader_user.email
    )


@pytest.fixture
def ada(oslo):
    return volunteer(oslo, status="approved", first_name="Ada", email="ada@example.no")


@pytest.fixture
def group(oslo, leader, ada):
    from supervision.services import group_save

    return group_save(association=oslo, name="Gruppe 1", leader=leader, members=[leader, ada])


def held(group, *, days_ago: int = 2) -> GroupSession:
    starts = timezone.now() - timedelta(days=days_ago)
    return GroupSession.objects.create(
        group=group, starts_at=starts, ends_at=starts + timedelta(hours=2), place="Huset"
    )


def as_leader(client, user):
    """Log her in acting as group leader."""
    login(client, user)
    membership = Membership.objects.get(user=user, role=Role.GROUP_LEADER, ended_at__isnull=True)
    client.post(reverse("role_switch"), {"membership": membership.public_id})
    return membership


def test_choosing_a_leader_gives_her_the_role_and_another_leader_takes_it(
    oslo, group, leader_user, ada
):
    from supervision.services import group_save

    assert Role.GROUP_LEADER in TWO_STEP_ROLES  # she logs in with two steps, as a volunteer
    held_roles = Membership.objects.filter(user=leader_user, ended_at__isnull=True)
    assert set(held_roles.values_list("role", flat=True)) == {Role.VOLUNTEER, Role.GROUP_LEADER}
    group_save(association=oslo, name="Gruppe 1", leader=ada, members=[ada], group=group)
    assert set(held_roles.values_list("role", flat=True)) == {Role.VOLUNTEER}


def test_the_coordinator_gives_the_role_from_the_group_page(client, coordinator_oslo, leader):
    login(client, coordinator_oslo)
    client.post(
        reverse("group_create"),
        {"name": "Gruppe 2", "leader": leader.public_id, "members": [leader.public_id]},
    )
    assert Membership.objects.filter(
        user=leader.user, role=Role.GROUP_LEADER, ended_at__isnull=True
    ).exists()


def test_her_start_page_is_her_group_and_she_records_attendance(
    client, group, leader_user, ada, leader
):
    session = held(group)
    as_leader(client, leader_user)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Gruppe 1" in html
    assert reverse("group_session_attendance", args=[session.public_id]) in html
    response = client.post(
        reverse("group_session_attendance", args=[session.public_id]),
        {"attended": [ada.public_id, leader.public_id]},
    )
    assert response.status_code == 302
    assert Attendance.objects.filter(session=session).count() == 2
    detail = client.get(reverse("group_detail", args=[group.public_id])).content.decode()
    assert "Ada" in detail
    assert reverse("group_edit", args=[group.public_id]) not in detail


def test_she_plans_a_session(client, group, leader_user):
    as_leader(client, leader_user)
    day = (timezone.localdate() + timedelta(days=14)).isoformat()
    response = client.post(
        reverse("group_detail", args=[group.public_id]),
        {"date": day, "starts": "18:00", "ends": "20:00", "place": "Kafeen"},
    )
    assert response.status_code == 302
    assert group.sessions.get().place == "Kafeen"


def test_attendance_for_someone_outside_her_group_is_refused_with_a_message(
    client, group, leader_user, oslo
):
    outsider = volunteer(oslo, status="approved", first_name="Ute", email="ute@example.no")
    session = held(group)
    as_leader(client, leader_user)
    response = client.post(
        reverse("group_session_attendance", args=[session.public_id]),
        {"attended": [outsider.public_id]},
    )
    assert response.status_code == 400
    assert "not a member of this group" in response.content.decode()
    assert not Attendance.objects.exists()


def test_another_group_a_match_a_referral_and_wellbeing_answers_are_404(
    client, oslo, group, leader_user, ada, make_match
):
    other = SupervisionGroup.objects.create(association=oslo, name="Gruppe 2")
    other_session = held(other)
    match = make_match(ada)
    answer = WellbeingCheck.objects.create(volunteer=ada, feeling=1, needs_talk=True, note="Tungt")
    as_leader(client, leader_user)
    assert client.get(reverse("group_detail", args=[other.public_id])).status_code == 404
    assert (
        client.get(reverse("group_session_attendance", args=[other_session.public_id])).status_code
        == 404
    )
    for url in (
        reverse("match_detail", args=[match.public_id]),
        reverse("referral_detail", args=[match.referral.public_id]),
        reverse("volunteer_detail", args=[ada.public_id]),
        reverse("my_wellbeing_delete", args=[answer.public_id]),
        reverse("group_list"),
        reverse("group_edit", args=[group.public_id]),
    ):
        # Not found, not forbidden: she must not learn that the case exists.
        assert client.get(url).status_code == 404, url


def test_every_for_user_gives_the_group_leader_nothing_of_women_matches_or_wellbeing(
    client, oslo, group, leader_user, ada, make_match
):
    match = make_match(ada)
    Meeting.objects.create(match=match, date=timezone.localdate(), met=True, minutes=30)
    WellbeingCheck.objects.create(volunteer=ada, feeling=1, needs_talk=True)
    # Acting as group leader (as ActingRoleMiddleware sets it on a request).
    request_user = type(leader_user).objects.get(pk=leader_user.pk)
    request_user._acting_membership = Membership.objects.get(
        user=leader_user, role=Role.GROUP_LEADER
    )
    for model in (Referral, Match, Meeting, Concern, FollowUp, WellbeingCheck, Volunteer):
        assert not model.objects.for_user(request_user).exists(), model
    for model in (Session, Enrolment):
        assert not model.objects.for_user(request_user).exists(), model
    assert list(SupervisionGroup.objects.for_user(request_user)) == [group]
