"""The volunteer's start page: her latest unread notifications, for her volunteer role."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.access import ACTING_SESSION_KEY
from accounts.models import Role
from courses.notifications import SESSION_CANCELLED, SESSION_ENROLLED, SESSION_SEAT
from matching.notifications import CONCERN, MATCH_PROPOSED, NEW_REFERRAL
from notifications import services
from notifications.kinds import NotificationKind
from notifications.models import Notification
from tests.conftest import login
from tests.factories import MembershipFactory, person, volunteer
from volunteers.notifications import APPROVED

pytestmark = pytest.mark.django_db

# Newest last: the page shows the newest first.
HER_KINDS = [
    APPROVED,  # "You are approved as a ressursvenn. Welcome!"
    SESSION_ENROLLED,  # "You have been signed up for a course session."
    SESSION_SEAT,  # "You have got a seat on a course session."
    MATCH_PROPOSED,  # "A proposed match is waiting for your answer."
]


def notify_her(user, association, kind: NotificationKind, *, minutes_ago: int) -> Notification:
    note = services.notify(
        recipients=[user],
        kind=kind,
        link=reverse("my_courses"),
        role=Role.VOLUNTEER,
        association_id=association.pk,
        email=False,
    )[0]
    Notification.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return note


@pytest.fixture
def kari(oslo, bergen):
    """A ressursvenn in Oslo who is also a coordinator in Bergen, acting as the volunteer."""
    user = person(Role.VOLUNTEER, place=oslo, two_step=True, first_name="Kari")
    MembershipFactory(user=user, role=Role.COORDINATOR, association=bergen)
    volunteer(oslo, user=user, status="approved", first_name="Kari", email=user.email)
    return user


def open_as_volunteer(client, user):
    login(client, user)
    session = client.session
    session[ACTING_SESSION_KEY] = user.memberships.get(role=Role.VOLUNTEER).pk
    session.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(reverse("my_page"))


def section(html: str) -> str:
    start = html.index('data-testid="start-notifications"')
    return html[start : html.index("</section>", start)]


def test_her_start_page_shows_her_three_newest_unread_volunteer_notifications(
    client, kari, oslo, bergen
):
    for age, kind in enumerate(reversed(HER_KINDS)):
        notify_her(kari, oslo, kind, minutes_ago=age + 1)
    read = notify_her(kari, oslo, SESSION_CANCELLED, minutes_ago=0)
    services.notification_mark_read(notification=read)
    services.notify(  # for her coordinator role: not on her volunteer page
        recipients=[kari],
        kind=CONCERN,
        link="/",
        role=Role.COORDINATOR,
        association_id=bergen.pk,
        email=False,
    )

    response = open_as_volunteer(client, kari)
    shown = [n.kind for n in response.context["notifications"]]
    assert shown == [MATCH_PROPOSED, SESSION_SEAT, SESSION_ENROLLED]
    html = section(response.content.decode())
    assert "A proposed match is waiting for your answer." in html  # the in-app words
    assert "You are approved as a ressursvenn. Welcome!" not in html  # the fourth waits
    assert "A course session you were signed up for is cancelled." not in html  # read
    assert "A volunteer has raised a concern." not in html  # her other role
    assert "All notifications (4 unread)" in html
    assert f'href="{reverse("notification_list")}"' in html
    newest = Notification.objects.get(kind=MATCH_PROPOSED)
    assert reverse("notification_open", args=[newest.public_id]) in html  # opens from here


def test_with_nothing_unread_it_says_so_and_links_to_all(client, kari):
    html = section(open_as_volunteer(client, kari).content.decode())
    assert "No unread notifications." in html
    assert "All notifications" in html and "unread)" not in html


def test_notifications_made_before_roles_were_recorded_show_too(client, kari):
    Notification.objects.create(recipient=kari, kind=APPROVED, link="/")
    response = open_as_volunteer(client, kari)
    assert [n.kind for n in response.context["notifications"]] == [APPROVED]


# Session, user, roles, two-step; her volunteer row, commitment, matches, her notifications,
# the bell, her sessions, her next supervision session, her invitation to the wellbeing check
# after a session, her coordinators; the session save (3).
MY_PAGE_QUERIES = 11


def test_the_start_page_makes_a_fixed_number_of_queries(
    client, kari, oslo, bergen, django_assert_num_queries
):
    notify_her(kari, oslo, APPROVED, minutes_ago=1)
    open_as_volunteer(client, kari)
    with django_assert_num_queries(MY_PAGE_QUERIES):
        client.get(reverse("my_page"))
    for n in range(25):
        notify_her(kari, oslo, HER_KINDS[n % len(HER_KINDS)], minutes_ago=n + 2)
        services.notify(
            recipients=[kari],
            kind=NEW_REFERRAL,
            link="/",
            role=Role.COORDINATOR,
            association_id=bergen.pk,
            email=False,
        )
    with django_assert_num_queries(MY_PAGE_QUERIES):
        response = client.get(reverse("my_page"))
    assert len(response.context["notifications"]) == 3
