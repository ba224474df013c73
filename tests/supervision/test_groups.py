"""Supervision groups: the coordinator's groups and expectation, planning a session, recording
attendance, the calendar file, and who is due for supervision."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from matching.models import MatchStatus
from supervision import selectors
from supervision.models import (
    DEFAULT_EVERY_WEEKS,
    Attendance,
    Expectation,
    GroupSession,
    SupervisionGroup,
    expected_weeks,
)
from tests.conftest import login
from tests.factories import person, volunteer
from tests.matching.conftest import make_match, make_referral  # noqa: F401 (fixtures)
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def coordinator(client, coordinator_oslo):
    login(client, coordinator_oslo)
    return coordinator_oslo


@pytest.fixture
def ada(oslo):
    return volunteer(oslo, status="approved", first_name="Ada", email="ada@example.no")


@pytest.fixture
def bea(oslo):
    return volunteer(oslo, status="approved", first_name="Bea", email="bea@example.no")


@pytest.fixture
def group(oslo, ada, bea):
    group = SupervisionGroup.objects.create(association=oslo, name="Gruppe 1", leader=ada)
    group.members.set([ada, bea])
    return group


def held(group, *, days_ago: int = 3) -> GroupSession:
    starts = timezone.now() - timedelta(days=days_ago)
    return GroupSession.objects.create(
        group=group, starts_at=starts, ends_at=starts + timedelta(hours=2), place="Huset"
    )


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_coordinator_creates_a_group_of_approved_volunteers(
    client, coordinator, ada, bea, oslo
):
    applicant = volunteer(oslo, first_name="Søker", email="soker@example.no")
    response = client.get(reverse("group_create"))
    html = response.content.decode()
    assert "Ada" in html and "Bea" in html
    assert "Søker" not in html  # only approved volunteers can be chosen
    response = client.post(
        reverse("group_create"),
        {
            "name": "Torsdagsgruppa",
            "leader": ada.public_id,
            "members": [ada.public_id, bea.public_id],
        },
    )
    group = SupervisionGroup.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("group_detail", args=[group.public_id])
    assert group.leader == ada and group.association == oslo
    assert set(group.members.all()) == {ada, bea}
    # An applicant sent anyway is refused at the field, and nothing changes.
    response = client.post(
        reverse("group_edit", args=[group.public_id]),
        {"name": "Torsdagsgruppa", "members": [applicant.public_id]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["members"]
    assert set(group.members.all()) == {ada, bea}


def test_a_second_group_with_the_same_name_is_refused_with_a_message(client, coordinator, group):
    response = client.post(reverse("group_create"), {"name": "Gruppe 1"})
    assert response.status_code == 200
    assert "already has a group with this name" in response.content.decode()
    assert 'value="Gruppe 1"' in response.content.decode()  # keeps what she typed
    assert SupervisionGroup.objects.count() == 1


def test_another_associations_coordinator_and_a_volunteer_cannot_open_the_group(
    client, group, coordinator_bergen, ada
):
    login(client, coordinator_bergen)
    assert client.get(reverse("group_detail", args=[group.public_id])).status_code == 404
    assert client.get(reverse("group_list")).context["groups"].count() == 0
    client.logout()
    ada.user = person(Role.VOLUNTEER, place=group.association, email="ada.login@example.no")
    ada.save()
    login(client, ada.user)
    assert client.get(reverse("group_detail", args=[group.public_id])).status_code == 403


def test_the_coordinator_plans_a_session_in_oslo_time_and_gets_a_calendar_file(
    client, coordinator, group
):
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post(
        reverse("group_detail", args=[group.public_id]),
        {"date": day, "starts": "18:00", "ends": "20:00", "place": "Frivilligsentralen"},
    )
    assert response.status_code == 302
    session = GroupSession.objects.get()
    assert timezone.localtime(session.starts_at).hour == 18
    ics = client.get(reverse("group_session_ics", args=[session.public_id]))
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "Ressursvenner: veiledning" in body and "Frivilligsentralen" in body
    assert "Gruppe 1" not in body


def test_a_session_that_ends_before_it_starts_is_refused_at_the_field(client, coordinator, group):
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = client.post(
        reverse("group_detail", args=[group.public_id]),
        {"date": day, "starts": "18:00", "ends": "17:00", "place": "Huset"},
    )
    assert response.status_code == 200
    assert response.context["session_form"].errors["ends"]
    assert not GroupSession.objects.exists()


def test_the_coordinator_records_attendance(client, coordinator, group, ada, bea):
    session = held(group)
    url = reverse("group_session_attendance", args=[session.public_id])
    response = client.post(url, {"attended": [ada.public_id]})
    assert response.status_code == 302
    assert texts(client.get(response.url)) == ["Attendance is recorded: 1 of 2 attended."]
    assert list(Attendance.objects.values_list("volunteer", flat=True)) == [ada.pk]
    # Corrected: she came too.
    client.post(url, {"attended": [ada.public_id, bea.public_id]})
    assert Attendance.objects.filter(session=session).count() == 2
    page = client.get(reverse("group_detail", args=[group.public_id])).content.decode()
    assert "Never" not in page  # both have a last supervision now


def test_attendance_for_someone_not_in_the_group_is_refused_with_a_message(
    client, coordinator, group, ada, oslo
):
    outsider = volunteer(oslo, status="approved", first_name="Utenfor", email="ute@example.no")
    session = held(group)
    response = client.post(
        reverse("group_session_attendance", args=[session.public_id]),
        {"attended": [ada.public_id, outsider.public_id]},
    )
    assert response.status_code == 400
    assert "not a member of this group" in response.content.decode()
    assert not Attendance.objects.exists()


def test_attendance_cannot_be_recorded_before_the_session(client, coordinator, group, ada):
    starts = timezone.now() + timedelta(days=2)
    session = GroupSession.objects.create(
        group=group, starts_at=starts, ends_at=starts + timedelta(hours=1), place="Huset"
    )
    response = client.post(
        reverse("group_session_attendance", args=[session.public_id]), {"attended": [ada.public_id]}
    )
    assert response.status_code == 400
    assert "once the session has started" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_coordinator_sets_how_often_supervision_is_expected(client, coordinator, oslo):
    assert expected_weeks(oslo.pk) == DEFAULT_EVERY_WEEKS == 8
    response = client.post(reverse("expectation_edit"), {"every_weeks": 6})
    assert response.status_code == 302
    assert expected_weeks(oslo.pk) == 6
    response = client.post(reverse("expectation_edit"), {"every_weeks": 0})
    assert response.status_code == 400
    assert response.context["expectation_form"].errors["every_weeks"]
    assert Expectation.objects.get().every_weeks == 6


def test_the_group_list_shows_the_last_session_held_and_the_next_one_apart(
    client, coordinator, group
):
    held(group, days_ago=20)
    last = held(group, days_ago=6)
    upcoming = held(group, days_ago=-10)  # planned, in ten days
    (row,) = client.get(reverse("group_list")).context["groups"]
    assert (row.last_session, row.next_session) == (last.starts_at, upcoming.starts_at)


def test_the_group_list_asks_the_same_number_of_queries_for_3_or_30_groups(
    client, coordinator, oslo, ada
):
    made = []

    def grow(n):
        for _ in range(n):
            group = SupervisionGroup.objects.create(
                association=oslo, name=f"Gruppe {len(made)}", leader=ada
            )
            group.members.set([ada])
            made.append(group)

    assert_constant_queries(client, reverse("group_list"), grow)


def test_due_supervision_counts_volunteers_with_an_open_match_not_seen_for_too_long(
    oslo,
    group,
    ada,
    bea,
    make_match,
):
    carl = volunteer(oslo, status="approved", first_name="Carl", email="carl@example.no")
    make_match(ada, status=MatchStatus.ACTIVE)
    make_match(bea, status=MatchStatus.ACTIVE)
    # Ada attended three weeks ago; Bea ten weeks ago; Carl has no match.
    Attendance.objects.create(session=held(group, days_ago=21), volunteer=ada)
    Attendance.objects.create(session=held(group, days_ago=70), volunteer=bea)
    due = list(selectors.due_volunteers(oslo.pk))
    assert due == [bea]
    assert due[0].last_supervision is not None
    Expectation.objects.create(association=oslo, every_weeks=2)
    assert set(selectors.due_volunteers(oslo.pk)) == {ada, bea}
    assert carl not in selectors.due_volunteers(oslo.pk)


def test_the_demo_data_has_a_group_with_a_leader_and_a_history(settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    group = SupervisionGroup.objects.select_related("leader").first()
    assert group is not None and group.leader is not None
    assert group.sessions.filter(attendance_recorded_at__isnull=False).count() >= 5
    assert Attendance.objects.filter(session__group=group).exists()
    assert group.sessions.filter(starts_at__gt=timezone.now()).exists()
    # Oslo's group is led by the demo's group leader login, who holds the role to try it.
    from accounts.demo import demo_email
    from accounts.models import Membership

    oslo_group = SupervisionGroup.objects.get(association__name="Oslo Sanitetsforening")
    assert oslo_group.leader.user.email == demo_email("gruppeleder.oslo")
    assert Membership.objects.filter(
        user=oslo_group.leader.user, role=Role.GROUP_LEADER, ended_at__isnull=True
    ).exists()
    # Again: nothing more.
    count = SupervisionGroup.objects.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert SupervisionGroup.objects.count() == count


def test_due_supervision_reminds_her_once_per_due_period(oslo, group, ada, make_match):
    from notifications.models import Notification, ReminderSent
    from notifications.reminders import sweep
    from supervision.reminders import RULES

    ada.user = person(Role.VOLUNTEER, place=oslo, email="ada.login@example.no")
    ada.save()
    make_match(ada)
    Attendance.objects.create(session=held(group, days_ago=70), volunteer=ada)
    sweep(rules=RULES)
    sweep(rules=RULES)  # the same day again: nothing more
    assert ReminderSent.objects.filter(rule="supervision.supervision_due").count() == 1
    assert Notification.objects.filter(recipient=ada.user, kind="supervision_due").count() == 1
    # She attends and falls due again later: one more reminder, for the new period.
    Attendance.objects.create(session=held(group, days_ago=60), volunteer=ada)
    sweep(rules=RULES)
    assert ReminderSent.objects.filter(rule="supervision.supervision_due").count() == 2
    # Once she attended recently, she is not due.
    Attendance.objects.create(session=held(group, days_ago=3), volunteer=ada)
    assert not selectors.due_volunteers(oslo.pk).exists()


def test_the_coordinator_start_page_counts_who_is_due_and_links_to_the_list(
    client, coordinator, oslo, group, ada, bea, make_match
):
    make_match(bea)
    Attendance.objects.create(session=held(group, days_ago=70), volunteer=bea)
    html = client.get(reverse("home")).content.decode()
    assert reverse("supervision_due_list") in html
    assert "volunteer due for supervision" in html
    page = client.get(reverse("supervision_due_list"))
    assert list(page.context["volunteers"]) == [bea]
    assert "Bea" in page.content.decode()


def test_her_own_start_page_says_when_she_is_due(client, oslo, group, ada, make_match):
    ada.user = person(Role.VOLUNTEER, place=oslo, email="ada.login@example.no")
    ada.approved_at = timezone.now() - timedelta(days=10)  # newly approved: not due yet
    ada.save()
    make_match(ada)
    login(client, ada.user)
    page = client.get(reverse("my_page"))
    assert page.status_code == 200
    assert "supervision-due" not in page.content.decode()
    ada.approved_at = timezone.now() - timedelta(days=100)  # never came, approved long ago
    ada.save()
    assert "supervision-due" in client.get(reverse("my_page")).content.decode()


def test_a_member_sees_her_next_session_and_adds_it_to_her_calendar(client, oslo, group, ada, bea):
    ada.user = person(Role.VOLUNTEER, place=oslo, email="ada.login@example.no")
    ada.save()
    starts = timezone.now() + timedelta(days=5)
    session = GroupSession.objects.create(
        group=group, starts_at=starts, ends_at=starts + timedelta(hours=2), place="Kafeen"
    )
    other = SupervisionGroup.objects.create(association=oslo, name="Andre")
    not_hers = GroupSession.objects.create(
        group=other, starts_at=starts, ends_at=starts + timedelta(hours=2), place="Et annet sted"
    )
    login(client, ada.user)
    html = client.get(reverse("my_page")).content.decode()
    assert "Kafeen" in html
    assert reverse("group_session_ics", args=[session.public_id]) in html
    ics = client.get(reverse("group_session_ics", args=[session.public_id]))
    assert ics.status_code == 200 and "Kafeen" in ics.content.decode()
    assert client.get(reverse("group_session_ics", args=[not_hers.public_id])).status_code == 404
    assert client.get(reverse("group_detail", args=[group.public_id])).status_code == 403
