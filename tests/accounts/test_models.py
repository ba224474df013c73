import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from accounts.models import Association, Coverage, Municipality, Shelter, User

pytestmark = pytest.mark.django_db


def test_a_user_logs_in_by_email_whatever_its_case():
    user = User.objects.create_user("Kari.Nordmann@Example.no", "et-langt-passord-123")
    assert user.email == "kari.nordmann@example.no"
    assert (
        authenticate(username="kari.nordmann@example.no", password="et-langt-passord-123") == user
    )
    assert authenticate(username="kari.nordmann@example.no", password="feil") is None


def test_two_users_cannot_share_an_email_in_different_case():
    User.objects.create_user("kari@example.no", "et-langt-passord-123")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="KARI@example.no")


def test_a_superuser_is_staff():
    admin = User.objects.create_superuser("admin@example.no", "et-langt-passord-123")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.create_user("x@example.no").is_staff


def test_a_municipality_belongs_to_at_most_one_association():
    oslo = Association.objects.create(name="Oslo Sanitetsforening")
    baerum = Association.objects.create(name="Bærum Sanitetsforening")
    municipality = Municipality.objects.get(number="3201")
    Coverage.objects.create(association=oslo, municipality=municipality)
    with pytest.raises(IntegrityError), transaction.atomic():
        Coverage.objects.create(association=baerum, municipality=municipality)
    assert list(oslo.municipalities.all()) == [municipality]
    assert list(baerum.municipalities.all()) == []


def test_associations_and_shelters_are_named_by_a_random_uuid():
    first = Association.objects.create(name="A")
    second = Association.objects.create(name="B")
    assert first.public_id != second.public_id
    assert first.public_id.version == 4
    shelter = Shelter.objects.create(name="S", municipality=Municipality.objects.get(number="0301"))
    assert shelter.public_id.version == 4


def test_the_active_coordinators_of_an_association_leave_out_deactivated_and_ended_ones():
    from django.utils import timezone

    from accounts.models import Membership, Role, coordinators_by_association
    from tests.factories import AssociationFactory, person

    oslo, bergen = AssociationFactory(name="Oslo"), AssociationFactory(name="Bergen")
    hanne = person(Role.COORDINATOR, place=oslo, two_step=False)
    silje = person(Role.COORDINATOR, place=bergen, two_step=False)
    deactivated = person(Role.COORDINATOR, place=oslo, two_step=False, is_active=False)
    ended = person(Role.COORDINATOR, place=oslo, two_step=False)
    Membership.objects.filter(user=ended).update(ended_at=timezone.now())
    person(Role.VOLUNTEER, place=oslo, two_step=False)  # another role in Oslo
    # Still a coordinator in Bergen, no longer in Oslo: counts in Bergen only.
    moved = person(Role.COORDINATOR, place=oslo, two_step=False)
    Membership.objects.filter(user=moved).update(ended_at=timezone.now())
    Membership.objects.create(user=moved, role=Role.COORDINATOR, association=bergen)

    assert set(User.objects.active_coordinators_of(oslo)) == {hanne}
    assert set(User.objects.active_coordinators_of(oslo.pk)) == {hanne}
    assert set(User.objects.active_coordinators_of([oslo.pk, bergen.pk])) == {hanne, silje, moved}
    ids = Association.objects.filter(name="Bergen").values("pk")
    assert set(User.objects.active_coordinators_of(ids)) == {silje, moved}
    assert not User.objects.active_coordinators_of(None).exists()
    # The reminders ask the same question, for many associations at once.
    by_association = coordinators_by_association([oslo.pk, bergen.pk])
    assert sorted(by_association[oslo.pk]) == [hanne.pk]
    assert sorted(by_association[bergen.pk]) == sorted([silje.pk, moved.pk])
    assert deactivated not in User.objects.active_coordinators_of([oslo.pk, bergen.pk])
