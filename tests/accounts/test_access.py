"""Who sees what: for_user() per model, and 404 for objects with no relation to her."""

import pytest
from django.urls import reverse

from accounts.models import Association, Invitation, Membership, Role, Shelter, User
from accounts.services import invitation_create
from tests.conftest import login
from tests.factories import MembershipFactory, UserFactory, person

pytestmark = pytest.mark.django_db


def acting(user, membership=None):
    user._acting_membership = membership or user.memberships.get()
    return user


def test_associations(
    oslo, bergen, coordinator_oslo, volunteer_oslo, national_admin, shelter_worker_oslo
):
    assert list(Association.objects.for_user(acting(coordinator_oslo))) == [oslo]
    assert list(Association.objects.for_user(acting(volunteer_oslo))) == [oslo]
    assert set(Association.objects.for_user(acting(national_admin))) == {oslo, bergen}
    assert not Association.objects.for_user(acting(shelter_worker_oslo)).exists()


def test_shelters(
    oslo_shelter,
    bergen_shelter,
    coordinator_oslo,
    coordinator_bergen,
    shelter_worker_oslo,
    volunteer_oslo,
):
    assert list(Shelter.objects.for_user(acting(shelter_worker_oslo))) == [oslo_shelter]
    assert list(Shelter.objects.for_user(acting(coordinator_oslo))) == [oslo_shelter]
    assert list(Shelter.objects.for_user(acting(coordinator_bergen))) == [bergen_shelter]
    assert not Shelter.objects.for_user(acting(volunteer_oslo)).exists()


def test_memberships_and_people(
    coordinator_oslo, coordinator_bergen, volunteer_oslo, national_admin
):
    visible = Membership.objects.for_user(acting(coordinator_oslo))
    assert {m.user for m in visible} == {coordinator_oslo, volunteer_oslo}
    assert set(User.objects.for_user(acting(coordinator_oslo))) == {
        coordinator_oslo,
        volunteer_oslo,
    }
    assert list(Membership.objects.for_user(acting(volunteer_oslo))) == list(
        volunteer_oslo.memberships.all()
    )
    assert list(User.objects.for_user(acting(volunteer_oslo))) == [volunteer_oslo]
    assert User.objects.for_user(acting(national_admin)).count() == User.objects.count()


def test_someone_with_several_roles_and_none_chosen_sees_nothing(oslo, bergen):
    user = person(Role.COORDINATOR, place=oslo)
    MembershipFactory(user=user, role=Role.VOLUNTEER, association=bergen)
    assert not Association.objects.for_user(user).exists()
    assert list(
        Association.objects.for_user(acting(user, user.memberships.get(role=Role.VOLUNTEER)))
    ) == [bergen]


def test_an_ended_role_gives_nothing(oslo):
    user = person(Role.COORDINATOR, place=oslo)
    Membership.objects.filter(user=user).update(ended_at="2026-01-01T00:00:00Z")
    assert not Association.objects.for_user(User.objects.get(pk=user.pk)).exists()


def test_anonymous_sees_nothing(oslo):
    from django.contrib.auth.models import AnonymousUser

    assert not Association.objects.for_user(AnonymousUser()).exists()
    assert not Invitation.objects.for_user(AnonymousUser()).exists()


def test_a_coordinator_of_bergen_gets_404_on_osloss_invitation_and_never_sees_it(
    client, coordinator_oslo, coordinator_bergen, oslo
):
    invitation, _token = invitation_create(
        invited_by=coordinator_oslo,
        acting=coordinator_oslo.memberships.get(),
        email="ny.frivillig@example.no",
        first_name="Amina",
        role=Role.VOLUNTEER,
        association=oslo,
    )
    login(client, coordinator_bergen)
    page = client.get(reverse("invitation_list")).content.decode()
    assert "ny.frivillig@example.no" not in page
    response = client.post(reverse("invitation_revoke", args=[invitation.public_id]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    client.logout()
    login(client, coordinator_oslo)
    assert "ny.frivillig@example.no" in client.get(reverse("invitation_list")).content.decode()


def test_shelter_staff_and_volunteers_have_no_invitation_pages(
    client, shelter_worker_oslo, volunteer_oslo
):
    login(client, shelter_worker_oslo)
    assert client.get(reverse("invitation_list")).status_code == 403
    client.logout()
    login(client, volunteer_oslo)
    assert client.get(reverse("invitation_list")).status_code == 403


def test_urls_name_objects_by_uuid_not_by_sequential_id(coordinator_oslo, oslo):
    invitation, _token = invitation_create(
        invited_by=coordinator_oslo,
        acting=coordinator_oslo.memberships.get(),
        email="a@example.no",
        role=Role.VOLUNTEER,
        association=oslo,
    )
    url = reverse("invitation_revoke", args=[invitation.public_id])
    assert str(invitation.public_id) in url
    assert f"/{invitation.pk}/" not in url


def test_membership_scope_must_match_the_role(oslo, oslo_shelter):
    from django.db import IntegrityError, transaction

    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.COORDINATOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.SHELTER_STAFF, association=oslo)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.NATIONAL_ADMIN, shelter=oslo_shelter)


def test_a_volunteer_belongs_to_one_association(oslo, bergen):
    from django.db import IntegrityError, transaction

    user = person(Role.VOLUNTEER, place=oslo)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.VOLUNTEER, association=bergen)
    # Several coordinators may share an association.
    person(Role.COORDINATOR, place=oslo)
    person(Role.COORDINATOR, place=oslo)
    assert Membership.objects.filter(association=oslo, role=Role.COORDINATOR).count() == 2
