"""Invitations: who may invite whom, the single-use link, expiry, reuse and forgery."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User
from accounts.services import AccessError, invitation_accept, invitation_create
from tests.conftest import login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "sommer-ved-fjorden-42"


def invite_volunteer(coordinator, association, email="amina@example.no"):
    return invitation_create(
        invited_by=coordinator,
        acting=coordinator.memberships.get(),
        email=email,
        first_name="Amina",
        role=Role.VOLUNTEER,
        association=association,
    )


def test_a_national_admin_invites_a_coordinator_who_sets_her_password_and_sets_up_two_steps(
    client, national_admin, oslo, django_capture_on_commit_callbacks
):
    login(client, national_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("invitation_list"),
            {
                "email": "Line.Koordinator@Example.no",
                "first_name": "Line",
                "last_name": "Dahl",
                "role": Role.COORDINATOR,
                "association": str(oslo.public_id),
            },
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["line.koordinator@example.no"]
    assert message.subject == "Invitasjon til Ressursvenner"
    # Neutral: neither role nor place in the email.
    assert "Oslo" not in message.body and "oordinator" not in message.body
    assert "7 dager" in message.body
    link = next(line for line in message.body.splitlines() if "/invitasjon/" in line).strip()
    path = link.removeprefix("http://127.0.0.1:8000")
    assert Invitation.objects.get().token_hash not in link  # only a hash is stored

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert 'value="Line"' in page.content.decode()
    response = client.post(
        path,
        {
            "first_name": "Line",
            "last_name": "Dahl",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    line = User.objects.get(email="line.koordinator@example.no")
    assert line.check_password(NEW_PASSWORD)
    assert line.memberships.get().association == oslo
    # A coordinator sees nothing until two-step login is set up.
    assert client.get("/")["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_the_link_works_once(client, coordinator_oslo, oslo):
    _invitation, token = invite_volunteer(coordinator_oslo, oslo)
    path = reverse("invitation_accept", args=[token])
    data = {"first_name": "Amina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(path, data).status_code == 302
    client.logout()
    again = client.post(
        path, {**data, "password1": "et-annet-passord-99", "password2": "et-annet-passord-99"}
    )
    assert again.status_code == 410
    assert "allerede brukt" in again.content.decode()
    assert User.objects.get(email="amina@example.no").check_password(NEW_PASSWORD)


def test_an_expired_link_gets_a_clear_page_and_changes_nothing(client, coordinator_oslo, oslo):
    invitation, token = invite_volunteer(coordinator_oslo, oslo)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    path = reverse("invitation_accept", args=[token])
    response = client.post(
        path, {"first_name": "A", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert "utløpt" in response.content.decode()
    assert not User.objects.filter(email="amina@example.no").exists()


def test_a_forged_link_gets_a_clear_404(client, coordinator_oslo, oslo):
    invite_volunteer(coordinator_oslo, oslo)
    response = client.get(reverse("invitation_accept", args=["forfalsket-token-som-ikke-finnes"]))
    assert response.status_code == 404
    assert "Vi kjenner ikke igjen denne lenken" in response.content.decode()


def test_a_withdrawn_link_stops_working(client, coordinator_oslo, oslo):
    invitation, token = invite_volunteer(coordinator_oslo, oslo)
    login(client, coordinator_oslo)
    client.post(reverse("invitation_revoke", args=[invitation.public_id]))
    client.logout()
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "trukket tilbake" in response.content.decode()


def test_a_weak_password_gets_a_norwegian_message_beside_the_field_and_keeps_the_name(
    client, coordinator_oslo, oslo
):
    _invitation, token = invite_volunteer(coordinator_oslo, oslo)
    response = client.post(
        reverse("invitation_accept", args=[token]),
        {
            "first_name": "Aminata",
            "last_name": "Diallo",
            "password1": "kort123",
            "password2": "kort123",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "minst 12 tegn" in html
    assert 'value="Aminata"' in html and 'value="Diallo"' in html
    assert not User.objects.filter(email="amina@example.no").exists()


def test_mismatched_passwords_are_refused(client, coordinator_oslo, oslo):
    _invitation, token = invite_volunteer(coordinator_oslo, oslo)
    response = client.post(
        reverse("invitation_accept", args=[token]),
        {"first_name": "A", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )
    assert "De to passordene er ikke like." in response.content.decode()


def test_a_coordinator_invites_only_volunteers_of_her_own_association(
    client, coordinator_oslo, oslo, bergen
):
    with pytest.raises(AccessError):
        invitation_create(
            invited_by=coordinator_oslo,
            acting=coordinator_oslo.memberships.get(),
            email="x@example.no",
            role=Role.VOLUNTEER,
            association=bergen,
        )
    with pytest.raises(AccessError):
        invitation_create(
            invited_by=coordinator_oslo,
            acting=coordinator_oslo.memberships.get(),
            email="x@example.no",
            role=Role.COORDINATOR,
            association=oslo,
        )
    # A crafted POST with a role and another association is read as "a volunteer of Oslo".
    login(client, coordinator_oslo)
    client.post(
        reverse("invitation_list"),
        {
            "email": "x@example.no",
            "first_name": "X",
            "role": Role.COORDINATOR,
            "association": str(bergen.public_id),
        },
    )
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.association) == (Role.VOLUNTEER, oslo)


def test_the_admin_must_pick_the_place_that_fits_the_role(client, national_admin):
    login(client, national_admin)
    response = client.post(
        reverse("invitation_list"),
        {"email": "ny@example.no", "first_name": "Ny", "role": Role.SHELTER_STAFF},
    )
    assert response.status_code == 200
    assert "Velg krisesenteret hun jobber på." in response.content.decode()
    assert 'value="ny@example.no"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_existing_login_accepts_by_logging_in(
    client, coordinator_oslo, volunteer_oslo, bergen, oslo
):
    # Nora, a volunteer in Oslo, is invited as ... a volunteer cannot be in two associations,
    # so invite her coordinator colleague-to-be: an existing login gets a coordinator role.
    from tests.factories import person

    admin = person(Role.NATIONAL_ADMIN)
    _invitation, token = invitation_create(
        invited_by=admin,
        acting=admin.memberships.get(),
        email=volunteer_oslo.email,
        role=Role.COORDINATOR,
        association=bergen,
    )
    path = reverse("invitation_accept", args=[token])
    page = client.get(path)
    assert "Du har allerede en innlogging" in page.content.decode()
    login(client, volunteer_oslo)
    assert client.post(path).status_code == 302
    assert Membership.objects.filter(
        user=volunteer_oslo, role=Role.COORDINATOR, association=bergen
    ).exists()
    assert volunteer_oslo.check_password(PASSWORD)  # her password did not change


def test_someone_logged_in_as_another_person_cannot_accept(
    client, coordinator_oslo, oslo, coordinator_bergen
):
    _invitation, token = invite_volunteer(coordinator_oslo, oslo)
    login(client, coordinator_bergen)
    response = client.post(reverse("invitation_accept", args=[token]))
    assert response.status_code == 403
    assert not Membership.objects.filter(role=Role.VOLUNTEER).exists()


def test_accepting_twice_in_the_service_is_refused(coordinator_oslo, oslo):
    invitation, _token = invite_volunteer(coordinator_oslo, oslo)
    invitation_accept(invitation=invitation, password=NEW_PASSWORD, first_name="A")
    with pytest.raises(AccessError):
        invitation_accept(invitation=invitation, password="annet-passord-123", first_name="A")
