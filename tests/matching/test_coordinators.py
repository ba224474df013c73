"""The active coordinators of an association, one query for every notice and every list: a
coordinator whose login is deactivated, or whose membership has ended, is neither notified nor
shown (User.objects.active_coordinators_of)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from matching import notifications as matching_kinds
from matching import services
from matching.models import MatchStatus
from notifications.models import Notification
from tests.conftest import login
from tests.factories import person, volunteer
from volunteers import notifications as volunteer_kinds
from volunteers.services import volunteer_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def former_coordinators(oslo):
    """Two coordinators of Oslo who no longer are: one whose login was deactivated, one whose
    membership ended."""
    deactivated = person(
        Role.COORDINATOR, place=oslo, first_name="Dagny", last_name="Deaktivert", is_active=False
    )
    ended = person(Role.COORDINATOR, place=oslo, first_name="Edel", last_name="Avsluttet")
    Membership.objects.filter(user=ended).update(ended_at=timezone.now())
    return [deactivated, ended]


def recipients(kind) -> set:
    return {n.recipient for n in Notification.objects.filter(kind=kind)}


def test_only_active_coordinators_hear_of_an_application_routed_to_them(
    oslo, bergen, coordinator_oslo, former_coordinators
):
    applicant = volunteer(bergen, outside_area=True)
    volunteer_route(volunteer=applicant, association=oslo)
    assert recipients(volunteer_kinds.NEW_APPLICATION) == {coordinator_oslo}


def test_only_active_coordinators_hear_of_a_referral_sent_to_them(
    oslo, bergen, coordinator_oslo, coordinator_bergen, former_coordinators, make_referral
):
    referral = make_referral(bergen)
    services.referral_transfer(referral=referral, to=oslo, reason="Nærmere", by=coordinator_bergen)
    assert recipients(matching_kinds.NEW_REFERRAL) == {coordinator_oslo}


def test_former_coordinators_are_not_listed_on_a_coordinators_start_page(
    client, coordinator_oslo, former_coordinators
):
    login(client, coordinator_oslo)
    html = client.get(reverse("home")).content.decode()
    assert coordinator_oslo.get_full_name() in html
    for former in former_coordinators:
        assert former.get_full_name() not in html


def test_former_coordinators_are_not_hers_to_call(
    client,
    oslo,
    bergen,
    volunteer_oslo,
    coordinator_oslo,
    former_coordinators,
    make_volunteer,
    make_referral,
    make_match,
):
    nora = make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)
    # Followed by Bergen too (a woman of Bergen's): Bergen's former coordinator is not listed.
    bergen_former = person(
        Role.COORDINATOR, place=bergen, first_name="Berit", last_name="Borte", is_active=False
    )
    make_match(nora, status=MatchStatus.ACTIVE, referral=make_referral(bergen))
    login(client, volunteer_oslo)
    for name in ("emergency", "my_page"):
        html = client.get(reverse(name)).content.decode()
        assert coordinator_oslo.get_full_name() in html
        for former in [*former_coordinators, bergen_former]:
            assert former.get_full_name() not in html


def test_the_national_admin_counts_only_active_coordinators(
    client, national_admin, oslo, coordinator_oslo, former_coordinators
):
    login(client, national_admin)
    response = client.get(reverse("home"))
    counts = {a.name: a.coordinator_count for a in response.context["associations"]}
    assert counts[oslo.name] == 1
