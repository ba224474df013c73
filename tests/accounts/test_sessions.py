"""The role switch, the idle timeout, and roles removed mid-session."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.access import ACTING_SESSION_KEY, LAST_ACTIVITY_SESSION_KEY
from accounts.models import Membership, Role
from tests.conftest import login
from tests.factories import MembershipFactory, person
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_roles(oslo, bergen):
    """Kari coordinates Bergen and is a ressursvenn in Oslo."""
    user = person(Role.COORDINATOR, place=bergen, first_name="Kari")
    MembershipFactory(user=user, role=Role.VOLUNTEER, association=oslo)
    return user


def test_a_person_with_two_roles_chooses_and_the_choice_is_remembered_and_shown(client, two_roles):
    login(client, two_roles)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("role_switch"))
    page = client.get(response["Location"]).content.decode()
    assert "Koordinator · Bergen Sanitetsforening" in page
    assert "Ressursvenn · Oslo Sanitetsforening" in page

    volunteer = two_roles.memberships.get(role=Role.VOLUNTEER)
    response = client.post(
        reverse("role_switch"), {"membership": str(volunteer.public_id), "next": "/"}
    )
    assert response.status_code == 302
    html = client.get("/", follow=True).content.decode()
    assert "Min side" in html
    assert "Ressursvenn · Oslo Sanitetsforening" in html
    assert "Bytt rolle" in html

    coordinator = two_roles.memberships.get(role=Role.COORDINATOR)
    client.post(reverse("role_switch"), {"membership": str(coordinator.public_id)})
    assert "Hva må jeg gjøre i dag?" in client.get("/").content.decode()


def test_the_emergency_page_opens_in_any_role_and_other_pages_offer_to_switch(client, two_roles):
    login(client, two_roles)
    coordinator = two_roles.memberships.get(role=Role.COORDINATOR)
    client.post(reverse("role_switch"), {"membership": str(coordinator.public_id)})

    # Acting as coordinator, her own volunteer page says why it is closed and offers the switch.
    refused = client.get(reverse("my_match"))
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "Du bruker rollen Koordinator · Bergen Sanitetsforening" in html
    assert f"{reverse('role_switch')}?next=/min-side/kobling/" in html

    # Help must never wait for a role switch: the emergency page opens, as her volunteer role.
    response = client.get(reverse("emergency"))
    assert response.status_code == 200 and 'href="tel:112"' in response.content.decode()
    assert "Ressursvenn · Oslo Sanitetsforening" in client.get("/", follow=True).content.decode()


def test_the_emergency_page_opens_before_she_has_chosen_a_role(client, two_roles):
    login(client, two_roles)  # two roles, none chosen yet: other pages ask her to choose
    assert client.get(reverse("my_page"))["Location"].startswith(reverse("role_switch"))
    response = client.get(reverse("emergency"))
    assert response.status_code == 200 and 'href="tel:112"' in response.content.decode()


def test_switching_to_a_role_she_does_not_have_is_refused(client, two_roles, coordinator_oslo):
    login(client, two_roles)
    volunteer = two_roles.memberships.get(role=Role.VOLUNTEER)
    client.post(reverse("role_switch"), {"membership": str(volunteer.public_id)})
    other = coordinator_oslo.memberships.get()
    response = client.post(reverse("role_switch"), {"membership": str(other.public_id)})
    assert response.status_code == 400
    assert "Du har ikke den rollen." in response.content.decode()
    assert client.session[ACTING_SESSION_KEY] == volunteer.pk


def test_a_removed_role_stops_working_on_the_next_request(client, two_roles):
    login(client, two_roles)
    coordinator = two_roles.memberships.get(role=Role.COORDINATOR)
    client.post(reverse("role_switch"), {"membership": str(coordinator.public_id)})
    assert client.get(reverse("invitation_list")).status_code == 200
    Membership.objects.filter(pk=coordinator.pk).update(ended_at=timezone.now())
    assert client.get(reverse("invitation_list")).status_code == 403
    assert "Min side" in client.get("/", follow=True).content.decode()  # her one remaining role


def _idle(client, seconds):
    session = client.session
    session[LAST_ACTIVITY_SESSION_KEY] = int(time.time()) - seconds
    session.save()


def test_a_coordinator_is_logged_out_after_15_idle_minutes(client, coordinator_oslo):
    login(client, coordinator_oslo)
    assert client.get("/").status_code == 200
    _idle(client, 15 * 60 + 1)
    response = client.get(reverse("invitation_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    page = client.get(response["Location"]).content.decode()
    assert "Du ble logget ut etter 15 minutter uten aktivitet." in page
    assert "_auth_user_id" not in client.session


def test_activity_within_15_minutes_keeps_her_logged_in(client, coordinator_oslo):
    login(client, coordinator_oslo)
    client.get("/")
    _idle(client, 14 * 60)
    assert client.get("/").status_code == 200
    assert time.time() - client.session[LAST_ACTIVITY_SESSION_KEY] < 5


def test_asking_for_the_time_left_is_not_activity_but_stay_logged_in_is(client, coordinator_oslo):
    login(client, coordinator_oslo)
    client.get("/")
    _idle(client, 14 * 60 + 10)
    status = client.get(reverse("session_status")).json()
    assert 40 <= status["remaining"] <= 50
    assert client.get(reverse("session_status")).json()["remaining"] <= 50
    kept = client.post(reverse("session_keepalive")).json()
    assert kept["remaining"] >= 15 * 60 - 2


@pytest.mark.parametrize("who", ["coordinator_oslo", "volunteer_oslo"])
def test_the_warning_is_on_every_page_of_a_strict_role(client, request, who):
    login(client, request.getfixturevalue(who))
    html = client.get("/", follow=True).content.decode()
    assert 'data-idle-timeout="900"' in html
    assert 'data-idle-warning="60"' in html
    assert 'role="alertdialog"' in html and "Forbli innlogget" in html


def test_logging_out_ends_the_session(client, coordinator_oslo):
    login(client, coordinator_oslo)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert "En venn for en ny start" in client.get("/").content.decode()


def test_the_invitation_list_makes_a_fixed_number_of_queries(client, coordinator_oslo, oslo):
    from accounts.services import invitation_create

    def invite(n):
        for i in range(n):
            invitation_create(
                invited_by=coordinator_oslo,
                acting=coordinator_oslo.memberships.get(),
                email=f"p{i}-{time.monotonic_ns()}@example.no",
                role=Role.VOLUNTEER,
                association=oslo,
            )

    login(client, coordinator_oslo)
    assert_constant_queries(client, reverse("invitation_list"), invite)


def test_the_invitation_list_shows_a_page_at_a_time_with_the_total(client, coordinator_oslo, oslo):
    from accounts.services import invitation_create

    for i in range(53):
        invitation_create(
            invited_by=coordinator_oslo,
            acting=coordinator_oslo.memberships.get(),
            email=f"person{i:02d}@example.no",
            role=Role.VOLUNTEER,
            association=oslo,
        )
    login(client, coordinator_oslo)
    first = client.get(reverse("invitation_list")).content.decode()
    # Newest first: the last three sent are on the first page, the first three on the second.
    assert "person52@example.no" in first and "person02@example.no" not in first
    assert "Viser 1–50 av 53" in first and 'href="?side=2"' in first
    second = client.get(reverse("invitation_list"), {"side": 2}).content.decode()
    assert "person02@example.no" in second and "person52@example.no" not in second
    assert "Viser 51–53 av 53" in second
