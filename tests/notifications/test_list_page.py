"""The notification list a page at a time (issue 15), and the same number of queries with 3
notifications and with 30, in each role that has the list."""

import re

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from courses.notifications import SESSION_SEAT
from matching.notifications import NEW_REFERRAL, REFERRAL_STATUS
from notifications import services
from notifications.models import Notification
from tests.conftest import login
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def notify(user, times: int) -> None:
    """`times` notifications for the one role she holds."""
    member = user.memberships.get()
    kind = {
        Role.VOLUNTEER: SESSION_SEAT,
        Role.COORDINATOR: NEW_REFERRAL,
        Role.SHELTER_STAFF: REFERRAL_STATUS,
    }[member.role]
    for _n in range(times):
        services.notify(
            recipients=[user],
            kind=kind,
            link="/",
            role=member.role,
            association_id=member.association_id,
            shelter_id=member.shelter_id,
            email=False,
        )


def shown(html: str) -> list[str]:
    """The public ids of the notifications the page shows, in order."""
    return re.findall(r'action="/varsler/([0-9a-f-]{36})/"', html)


def test_the_read_ones_are_paged_newest_first(client, volunteer_oslo):
    notify(volunteer_oslo, 53)
    Notification.objects.update(read_at=timezone.now())
    newest_first = [str(n.public_id) for n in Notification.objects.order_by("-created_at", "-id")]
    login(client, volunteer_oslo)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    first = client.get("/varsler/").content.decode()
    assert shown(first) == newest_first[:50]
    assert "Showing 1–50 of 53" in first and 'href="?side=2"' in first
    second = client.get("/varsler/?side=2").content.decode()
    assert shown(second) == newest_first[50:]
    assert "Showing 51–53 of 53" in second and 'href="?side=1"' in second


@pytest.mark.parametrize("who", ["volunteer_oslo", "coordinator_oslo", "shelter_worker_oslo"])
def test_the_list_takes_as_many_queries_for_30_as_for_3(client, request, who):
    user = request.getfixturevalue(who)
    login(client, user)
    assert_constant_queries(client, "/varsler/", lambda n: notify(user, n))


def test_a_group_opened_in_full_is_paged_newest_first(client, volunteer_oslo):
    notify(volunteer_oslo, 53)
    newest_first = [str(n.public_id) for n in Notification.objects.order_by("-created_at", "-id")]
    login(client, volunteer_oslo)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    grouped = client.get("/varsler/").content.decode()
    assert shown(grouped) == newest_first[:5]  # the group's newest; the rest a link away
    assert f'href="?type={SESSION_SEAT.code}">See all 53<' in grouped
    first = client.get(f"/varsler/?type={SESSION_SEAT.code}").content.decode()
    assert shown(first) == newest_first[:50]
    assert "Showing 1–50 of 53" in first
    second = client.get(f"/varsler/?type={SESSION_SEAT.code}&side=2").content.decode()
    assert shown(second) == newest_first[50:]


def test_a_kind_with_one_unread_is_its_row_not_a_group(client, coordinator_oslo):
    notify(coordinator_oslo, 1)
    login(client, coordinator_oslo)
    html = client.get("/varsler/").content.decode()
    assert len(shown(html)) == 1
    assert "<details>" not in html and "1 ny henvisning" not in html
    notify(coordinator_oslo, 1)
    html = client.get("/varsler/").content.decode()
    assert "<details>" in html and "2 nye henvisninger" in html
