"""The national admin's start page: the headline of this year's statistics, the counts that need
her, and the associations a page at a time (issue 15: no page lists 400 of anything)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from common.pagination import PAGE_SIZE
from tests.conftest import login
from tests.factories import AssociationFactory, MembershipFactory, UserFactory, person

pytestmark = pytest.mark.django_db


def rows(response) -> dict[str, list[str]]:
    """The table of associations: name → [municipalities, coordinators]."""
    html = response.content.decode()
    body = html[html.index('id="associations-title"') :]
    found = {}
    for row in re.findall(r"<tr>\s*(.*?)</tr>", body, flags=re.S):
        cells = [
            re.sub(r"<[^>]+>|\s+", " ", c).strip()
            for c in re.findall(r"<td.*?</td>", row, flags=re.S)
        ]
        if len(cells) == 3:
            found[cells[0]] = cells[1:]
    return found


def test_the_associations_are_listed_a_page_at_a_time_with_their_counts(
    client, oslo, bergen, coordinator_oslo, coordinator_bergen, national_admin
):
    client.cookies["rv_language"] = "en"
    # A second coordinator in Oslo, one whose role has ended, and one whose login is closed.
    person(Role.COORDINATOR, place=oslo)
    ended = person(Role.COORDINATOR, place=oslo)
    Membership.objects.filter(user=ended).end()
    MembershipFactory(user=UserFactory(is_active=False), role=Role.COORDINATOR, association=oslo)
    for n in range(PAGE_SIZE + 3):
        AssociationFactory(name=f"Ås Sanitetsforening {n:03d}")
    total = PAGE_SIZE + 5
    login(client, national_admin)
    first = client.get(reverse("home"))
    html = first.content.decode()
    listed = rows(first)
    assert len(listed) == PAGE_SIZE
    # In the order of their names; Oslo's two municipalities and two active coordinators.
    assert list(listed)[:2] == ["Bergen Sanitetsforening", "Oslo Sanitetsforening"]
    assert listed["Oslo Sanitetsforening"] == ["2", "2"]
    assert listed["Bergen Sanitetsforening"] == ["2", "1"]
    assert listed["Ås Sanitetsforening 000"] == ["0", "0"]
    assert f'<span class="count">{total}</span>' in html  # the card counts them all
    assert f"Showing 1–{PAGE_SIZE} of {total}" in html and "side=2" in html
    second = rows(client.get(reverse("home") + "?side=2"))
    assert len(second) == total - PAGE_SIZE
    assert not set(second) & set(listed)


def test_the_cards_count_their_lists_in_one_query(
    client, oslo, bergen, oslo_shelter, bergen_shelter, national_admin
):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import Invitation
    from notifications.models import OutboxMessage, OutboxStatus
    from reports import snapshots
    from tests.factories import volunteer

    for status in (OutboxStatus.FAILED, OutboxStatus.FAILED, OutboxStatus.SENT):
        OutboxMessage.objects.create(to="x@example.no", template="t", status=status)
    for n, expires in enumerate((timedelta(days=3), timedelta(days=-1))):  # one has expired
        Invitation.objects.create(
            email=f"ny{n}@example.no",
            role=Role.COORDINATOR,
            association=oslo,
            token_hash=f"{n}",
            expires_at=timezone.now() + expires,
        )
    volunteer(oslo, outside_area=True)  # an application from outside every area
    volunteer(oslo, outside_area=True, status="screening")  # handled: not counted
    volunteer(oslo)
    snapshots.refresh()  # this year's headline, as beat keeps it
    client.cookies["rv_language"] = "en"
    login(client, national_admin)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("home")).content.decode()
    cards = {
        label.strip(): int(number)
        for number, label in re.findall(
            r'<span class="count">(\d+)</span>\s*<span class="d-block">([^<]+)</span>', html
        )
    }
    assert cards == {
        "local associations": 2,
        "crisis shelters": 2,
        "invitations not yet accepted": 1,
        "applications from outside every area": 1,
        "emails that could not be delivered": 2,
    }
    # 2 for the session and the person, 1 for the cards, 2 for the page of associations and
    # their number, 1 for the headline (this year's statistics as last computed), 1 for the
    # notification bell.
    assert len(captured) == 7


def test_an_association_whose_coordinators_are_all_away_today_is_marked(
    client, oslo, bergen, coordinator_oslo, coordinator_bergen, national_admin
):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Absence

    today = timezone.localdate()
    Absence.objects.create(user=coordinator_oslo, starts_on=today, ends_on=today + timedelta(3))
    login(client, national_admin)
    listed = rows(client.get(reverse("home")))
    assert listed["Oslo Sanitetsforening"][1].split() == ["1", "·", "alle", "borte", "i", "dag"]
    assert listed["Bergen Sanitetsforening"] == ["2", "1"]
