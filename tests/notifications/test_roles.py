"""Notifications know the role they are for: the bell and the list show the acting role's, say
how many wait in her other roles, and opening one of another role switches to it (no 403)."""

from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.access import ACTING_SESSION_KEY
from accounts.models import AccessLog, Membership, Role
from courses.notifications import SESSION_CANCELLED, SESSION_ENROLLED, SESSION_SEAT
from courses.reminders import SESSION_SOON
from matching.notifications import (
    CONCERN,
    MATCH_ACCEPTED,
    MATCH_PROPOSED,
    NEW_REFERRAL,
    REFERRAL_STATUS,
)
from matching.reminders import NO_MEETING_VOLUNTEER
from notifications import services
from notifications.context_processors import unread_notifications
from notifications.kinds import NotificationKind
from notifications.models import Notification
from notifications.reminders import sweep
from tests.conftest import login
from tests.factories import MembershipFactory, person
from tests.helpers import live_a_match
from volunteers.notifications import APPLICATION_OUTSIDE_AREA, APPROVED
from volunteers.reminders import COMMITMENT_ENDING

pytestmark = pytest.mark.django_db

FOR_VOLUNTEER = SESSION_SEAT  # "You have got a seat on a course session."
FOR_COORDINATOR = NEW_REFERRAL  # "A new referral is waiting for you."
FOR_EVERY_ROLE = APPROVED  # made before roles were recorded
FOR_URGENT = CONCERN  # shown first, one by one


@pytest.fixture
def kari(oslo, bergen):
    """A volunteer in Oslo who is also a coordinator in Bergen."""
    user = person(Role.VOLUNTEER, place=oslo, two_step=True, first_name="Kari")
    MembershipFactory(user=user, role=Role.COORDINATOR, association=bergen)
    return user


def membership(user, role: Role) -> Membership:
    return user.memberships.get(role=role)


def acting_as(client, user, role: Role) -> None:
    login(client, user)
    session = client.session
    session[ACTING_SESSION_KEY] = membership(user, role).pk
    session.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def notify_as(user, role: Role, kind: NotificationKind, *, times: int = 1, link: str = "/") -> None:
    member = membership(user, role)
    for _n in range(times):
        services.notify(
            recipients=[user],
            kind=kind,
            link=link,
            role=role,
            association_id=member.association_id,
            shelter_id=member.shelter_id,
            email=False,
        )


def legacy(user, kind: NotificationKind = FOR_EVERY_ROLE) -> Notification:
    """A notification from before roles were recorded (what the migration leaves)."""
    return Notification.objects.create(recipient=user, kind=kind, link="/")


def bell(html: str) -> str:
    start = html.index('class="bell"')
    return html[start : html.index("</a>", start)]


# --- The bell and the list ----------------------------------------------------------------------


def test_the_bell_counts_the_acting_role_and_notes_the_other(client, kari):
    notify_as(kari, Role.VOLUNTEER, FOR_VOLUNTEER, times=2)
    notify_as(kari, Role.COORDINATOR, FOR_COORDINATOR, times=3)
    legacy(kari)

    acting_as(client, kari, Role.VOLUNTEER)
    html = client.get(reverse("my_page")).content.decode()
    assert '<span class="badge rounded-pill bg-danger">3<' in bell(html)  # 2 + the role-less one
    assert "3 unread notifications in your other role" in html

    acting_as(client, kari, Role.COORDINATOR)
    html = client.get(reverse("notification_list")).content.decode()
    assert '<span class="badge rounded-pill bg-danger">4<' in bell(html)  # 3 + the role-less one
    assert "2 unread notifications in your other role" in html


def listed(response) -> list:
    """Every notification the list shows: the urgent, the groups' newest and the read ones."""
    context = response.context
    groups = [n for group in context["groups"] for n in group.latest]
    return [*context["urgent"], *groups, *context["notifications"]]


def test_the_list_shows_the_acting_role_and_how_many_wait_in_each_other(client, kari, bergen):
    notify_as(kari, Role.VOLUNTEER, FOR_VOLUNTEER, times=2)
    notify_as(kari, Role.COORDINATOR, FOR_COORDINATOR, times=3)
    legacy(kari)

    acting_as(client, kari, Role.VOLUNTEER)
    response = client.get(reverse("notification_list"))
    shown = {n.kind for n in listed(response)}
    assert shown == {FOR_VOLUNTEER, FOR_EVERY_ROLE}
    assert len(listed(response)) == 3
    html = response.content.decode()
    assert "You have got a seat on a course session." in html
    assert "A new referral is waiting for you." not in html
    coordinator = membership(kari, Role.COORDINATOR)
    assert response.context["waiting_elsewhere"] == [(coordinator, 3)]
    assert f"Coordinator · {bergen.name}: <strong>3 unread</strong>" in html
    assert f'name="membership" value="{coordinator.public_id}"' in html  # switch from here

    # Switching from the list brings her back to the list, in the other role.
    response = client.post(
        reverse("role_switch"),
        {"membership": str(coordinator.public_id), "next": reverse("notification_list")},
        follow=True,
    )
    assert {n.kind for n in listed(response)} == {FOR_COORDINATOR, FOR_EVERY_ROLE}
    assert response.context["waiting_elsewhere"] == [(membership(kari, Role.VOLUNTEER), 2)]


def test_with_one_role_nothing_changes(client, volunteer_oslo):
    notify_as(volunteer_oslo, Role.VOLUNTEER, FOR_VOLUNTEER)
    legacy(volunteer_oslo)
    login(client, volunteer_oslo)
    response = client.get(reverse("notification_list"))
    assert len(listed(response)) == 2
    assert response.context["waiting_elsewhere"] == []
    assert "other-roles" not in response.content.decode()


def test_mark_all_read_marks_the_acting_roles_only(client, kari):
    notify_as(kari, Role.VOLUNTEER, FOR_VOLUNTEER, times=2)
    notify_as(kari, Role.COORDINATOR, FOR_COORDINATOR, times=3)
    acting_as(client, kari, Role.VOLUNTEER)
    client.post(reverse("notifications_read_all"))
    unread = Notification.objects.filter(read_at__isnull=True)
    assert sorted(unread.values_list("role", flat=True)) == [Role.COORDINATOR] * 3


# --- Opening one ---------------------------------------------------------------------------------


def test_opening_one_of_her_other_role_switches_to_it_instead_of_refusing(client, kari, bergen):
    notify_as(kari, Role.COORDINATOR, FOR_COORDINATOR, link=reverse("referral_list"))
    note = Notification.objects.get()
    acting_as(client, kari, Role.VOLUNTEER)
    assert client.get(reverse("referral_list")).status_code == 403  # as a volunteer she may not
    denied_before = AccessLog.objects.filter(action=AccessLog.Action.DENIED).count()

    response = client.post(reverse("notification_open", args=[note.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("referral_list")
    assert client.session[ACTING_SESSION_KEY] == membership(kari, Role.COORDINATOR).pk
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f"Coordinator · {bergen.name}" in page.content.decode()  # the header says so
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED).count() == denied_before
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_one_of_the_acting_role_or_without_a_role_does_not_switch(client, kari):
    notify_as(kari, Role.VOLUNTEER, FOR_VOLUNTEER, link=reverse("my_courses"))
    mine = Notification.objects.get()
    old = legacy(kari)
    acting_as(client, kari, Role.VOLUNTEER)
    volunteer = membership(kari, Role.VOLUNTEER).pk
    for note in (mine, old):
        response = client.post(reverse("notification_open", args=[note.public_id]))
        assert response.status_code == 302
        assert client.session[ACTING_SESSION_KEY] == volunteer


def test_opening_one_for_a_role_she_no_longer_has_is_not_refused(client, kari):
    notify_as(kari, Role.COORDINATOR, FOR_COORDINATOR, link=reverse("referral_list"))
    note = Notification.objects.get()
    Membership.objects.filter(user=kari, role=Role.COORDINATOR).update(ended_at=timezone.now())
    acting_as(client, kari, Role.VOLUNTEER)
    response = client.post(reverse("notification_open", args=[note.public_id]), follow=True)
    assert response.redirect_chain == [(reverse("notification_list"), 302)]
    assert "That notification was for a role you no longer have." in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.DENIED).exists()
    note.refresh_from_db()
    assert note.read_at is not None


def test_someone_elses_notification_stays_404_whatever_her_roles(client, kari, coordinator_bergen):
    notify_as(coordinator_bergen, Role.COORDINATOR, FOR_COORDINATOR)
    note = Notification.objects.get()
    acting_as(client, kari, Role.COORDINATOR)  # coordinator of the same association
    assert client.post(reverse("notification_open", args=[note.public_id])).status_code == 404
    assert client.session[ACTING_SESSION_KEY] == membership(kari, Role.COORDINATOR).pk


# --- Query counts ----------------------------------------------------------------------------------


def _bell_queries(user, acting_role, django_assert_num_queries) -> dict:
    request = RequestFactory().get("/")
    request.user = user
    request.memberships = list(Membership.objects.active().filter(user=user))
    request.membership = next(m for m in request.memberships if m.role == acting_role)
    unread = unread_notifications(request)["unread"]
    with django_assert_num_queries(1):
        return {"unread_notifications": unread.here, "unread_elsewhere": unread.elsewhere}


def test_the_bell_is_one_query_however_many_notifications_and_roles(
    kari, bergen, oslo_shelter, django_assert_num_queries
):
    notify_as(kari, Role.VOLUNTEER, FOR_VOLUNTEER)
    assert _bell_queries(kari, Role.VOLUNTEER, django_assert_num_queries) == {
        "unread_notifications": 1,
        "unread_elsewhere": 0,
    }
    MembershipFactory(user=kari, role=Role.SHELTER_STAFF, shelter=oslo_shelter)
    notify_as(kari, Role.VOLUNTEER, FOR_VOLUNTEER, times=20)
    notify_as(kari, Role.COORDINATOR, FOR_COORDINATOR, times=20)
    notify_as(kari, Role.SHELTER_STAFF, REFERRAL_STATUS, times=5)
    legacy(kari)
    assert _bell_queries(kari, Role.COORDINATOR, django_assert_num_queries) == {
        "unread_notifications": 21,
        "unread_elsewhere": 26,  # 1 + 20 as a volunteer, 5 as shelter staff
    }


# Session, user; the unread ones (urgent and grouped, one query), a page of the read ones (the rows
# and their count), those waiting elsewhere; the bell.
LIST_QUERIES = 7


def test_the_list_makes_a_fixed_number_of_queries(
    client, kari, oslo_shelter, django_assert_num_queries
):
    notify_as(kari, Role.VOLUNTEER, FOR_VOLUNTEER, times=2)
    notify_as(kari, Role.COORDINATOR, FOR_COORDINATOR)
    # one read (the page of read ones has rows), one unread
    Notification.objects.filter(pk=Notification.objects.order_by("pk")[0].pk).update(
        read_at=timezone.now()
    )
    acting_as(client, kari, Role.VOLUNTEER)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse("notification_list"))
    MembershipFactory(user=kari, role=Role.SHELTER_STAFF, shelter=oslo_shelter)
    notify_as(kari, Role.VOLUNTEER, FOR_VOLUNTEER, times=30)
    notify_as(kari, Role.COORDINATOR, FOR_COORDINATOR, times=30)
    notify_as(kari, Role.SHELTER_STAFF, REFERRAL_STATUS, times=10)
    notify_as(kari, Role.VOLUNTEER, FOR_URGENT, times=5)
    Notification.objects.filter(
        pk__in=Notification.objects.filter(role=Role.VOLUNTEER).order_by("pk")[:20].values("pk")
    ).update(read_at=timezone.now())
    legacy(kari)
    client.get(reverse("notification_list"))  # a new role: this request reads her access afresh
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("notification_list"))
    assert len(response.context["waiting_elsewhere"]) == 2


# --- Every notification made names a role she holds ---------------------------------------------


def _assert_each_is_for_a_role_the_recipient_holds() -> int:
    notifications = list(Notification.objects.select_related("recipient"))
    for note in notifications:
        held = list(Membership.objects.active().filter(user=note.recipient))
        assert note.role, (note.kind, note.recipient)
        assert note.membership_among(held) is not None, (note.kind, note.role, note.recipient)
    return len(notifications)


def test_every_notification_on_the_road_names_the_role_the_task_is_in(
    oslo,
    coordinator_oslo,
    shelter_worker_oslo,
    volunteer_oslo,
    national_admin,
    make_volunteer,
    make_referral,
):
    from courses.models import Course, Session
    from courses.services import enrol, session_cancel

    nora = make_volunteer(oslo, user=volunteer_oslo, email=volunteer_oslo.email)
    referral = make_referral(oslo)
    live_a_match(
        referral=referral, volunteer=nora, coordinator=coordinator_oslo, concern="Bekymret"
    )
    day = timezone.localdate() + timedelta(days=2)
    session = Session.objects.create(
        course=Course.objects.get(required_for_matching=True),
        association=oslo,
        starts_at=timezone.make_aware(datetime.combine(day, time(18))),
        ends_at=timezone.make_aware(datetime.combine(day, time(20))),
        place="Lokalet",
        capacity=5,
    )
    enrol(session=session, volunteers=[nora], by=coordinator_oslo)
    sweep()  # the course session in two days, among others
    session_cancel(session=session)
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {
        MATCH_PROPOSED,
        MATCH_ACCEPTED,
        REFERRAL_STATUS,
        CONCERN,
        SESSION_ENROLLED,
        SESSION_SOON,
        SESSION_CANCELLED,
    } <= kinds
    assert _assert_each_is_for_a_role_the_recipient_holds() >= 7
    assert Notification.objects.filter(
        recipient=shelter_worker_oslo, role=Role.SHELTER_STAFF
    ).exists()


def test_every_reminder_names_the_role_the_task_is_in(
    oslo, coordinator_oslo, volunteer_oslo, make_volunteer, make_referral, make_match
):
    from matching import services as matching
    from tests.factories import volunteer
    from volunteers.models import CommitmentPeriod

    nora = make_volunteer(oslo, user=volunteer_oslo, email=volunteer_oslo.email)
    applicant = volunteer(oslo)
    applicant.applied_at = timezone.now() - timedelta(days=8)
    applicant.save()
    make_referral(oslo, days_ago=5)
    match = make_match(nora)
    match.started_on = timezone.localdate() - timedelta(days=340)
    match.planned_end_on = match.started_on + timedelta(days=365)
    match.save()
    matching.follow_ups_plan(match)
    CommitmentPeriod.objects.filter(volunteer=nora).update(
        ends_on=timezone.localdate() + timedelta(days=20)
    )
    sweep()
    # The commitment ending goes to both: to her as the volunteer, to the coordinator as such.
    ending = Notification.objects.filter(kind=COMMITMENT_ENDING)
    assert {(n.recipient, n.role, n.association_id) for n in ending} == {
        (volunteer_oslo, Role.VOLUNTEER, oslo.pk),
        (coordinator_oslo, Role.COORDINATOR, oslo.pk),
    }
    assert Notification.objects.filter(recipient=volunteer_oslo, kind=NO_MEETING_VOLUNTEER)
    assert _assert_each_is_for_a_role_the_recipient_holds() >= 6


def test_an_application_from_outside_every_area_is_for_the_national_admin_role(
    client, oslo, coordinator_oslo, national_admin, django_capture_on_commit_callbacks
):
    from tests.volunteers.test_application import submit

    submit(client, django_capture_on_commit_callbacks, municipality="Tromsø (Troms)")
    note = Notification.objects.get(kind=APPLICATION_OUTSIDE_AREA)
    assert (note.recipient, note.role, note.association_id) == (
        national_admin,
        Role.NATIONAL_ADMIN,
        None,
    )
    assert _assert_each_is_for_a_role_the_recipient_holds() >= 2


def test_the_database_refuses_a_role_without_its_place(kari):
    with pytest.raises(IntegrityError):
        Notification.objects.create(
            recipient=kari, kind=FOR_COORDINATOR, link="/", role=Role.COORDINATOR
        )
