"""The national admin's own pages (/admin-nks/): associations, shelters, people and roles."""

import pytest
from allauth.mfa.models import Authenticator
from auditlog.models import LogEntry
from django.core import mail
from django.urls import reverse

from accounts.models import (
    AccessLog,
    Association,
    Coverage,
    Invitation,
    Membership,
    Municipality,
    Role,
    Shelter,
    User,
)
from notifications.models import OutboxMessage
from tests.conftest import login
from tests.factories import AssociationFactory, ShelterFactory, person
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _pages(oslo, oslo_shelter, coordinator_oslo):
    membership = coordinator_oslo.memberships.get()
    return [
        ("natadmin", []),
        ("natadmin_associations", []),
        ("natadmin_association_new", []),
        ("natadmin_association_edit", [oslo.public_id]),
        ("natadmin_shelters", []),
        ("natadmin_shelter_new", []),
        ("natadmin_shelter_edit", [oslo_shelter.public_id]),
        ("natadmin_people", []),
        ("natadmin_invite", []),
        ("natadmin_person", [coordinator_oslo.public_id]),
        ("natadmin_person_deactivate", [coordinator_oslo.public_id]),
        ("natadmin_person_reactivate", [coordinator_oslo.public_id]),
        ("natadmin_person_reset_two_step", [coordinator_oslo.public_id]),
        ("natadmin_membership_change", [membership.public_id]),
        ("natadmin_membership_end", [membership.public_id]),
    ]


@pytest.mark.parametrize("role", ["coordinator", "shelter_staff", "volunteer"])
def test_every_page_is_refused_to_everyone_but_the_national_admin(
    client, role, oslo, oslo_shelter, coordinator_oslo, shelter_worker_oslo, volunteer_oslo
):
    user = {
        "coordinator": coordinator_oslo,
        "shelter_staff": shelter_worker_oslo,
        "volunteer": volunteer_oslo,
    }[role]
    login(client, user)
    for name, args in _pages(oslo, oslo_shelter, coordinator_oslo):
        url = reverse(name, args=args)
        assert url.startswith("/admin-nks/")
        assert client.get(url).status_code in (403, 405), name
        assert client.post(url, {"name": "X", "confirmed": "yes"}).status_code == 403, name
    assert Association.objects.count() == 1 and Shelter.objects.count() == 1
    assert coordinator_oslo.memberships.active().count() == 1
    assert AccessLog.objects.filter(action="denied", actor=user).exists()


def test_the_pages_open_for_the_national_admin(
    client, national_admin, oslo, oslo_shelter, coordinator_oslo
):
    login(client, national_admin)
    for name, args in _pages(oslo, oslo_shelter, coordinator_oslo):
        if name.endswith(("deactivate", "reactivate", "two_step", "change", "end")):
            continue
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    menu = client.get(reverse("home")).content.decode()
    assert reverse("natadmin") in menu


def test_she_creates_an_association_with_its_municipalities_as_typed(client, national_admin):
    login(client, national_admin)
    response = client.post(
        reverse("natadmin_association_new"),
        {
            "name": "Bærum Sanitetsforening",
            "municipalities": "Oslo kommune, bærum\nAsker kommune; 3201",
            "email": "baerum@example.no",
            "phone": "",
            "is_active": "on",
        },
    )
    association = Association.objects.get(name="Bærum Sanitetsforening")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "natadmin_association_edit", args=[association.pk and association.public_id]
    )
    assert sorted(association.municipalities.values_list("number", flat=True)) == [
        "0301",
        "3201",
        "3203",
    ]
    page = client.get(response["Location"]).content.decode()
    assert "Bærum" in page and "Oslo" in page
    # In the change history, with who did it: the association and each municipality it covers.
    created = LogEntry.objects.filter(actor=national_admin, action=LogEntry.Action.CREATE)
    assert created.filter(object_pk=str(association.pk)).exists()
    assert created.filter(content_type__model="coverage").count() == 3


def test_editing_changes_the_coverage(client, national_admin, oslo):
    login(client, national_admin)
    response = client.post(
        reverse("natadmin_association_edit", args=[oslo.public_id]),
        {"name": oslo.name, "municipalities": "Oslo, Nordre Follo", "is_active": "on"},
    )
    assert response.status_code == 302
    assert set(oslo.municipalities.values_list("number", flat=True)) == {"0301", "3207"}


def test_an_unknown_municipality_is_named_next_to_the_field_and_nothing_changes(
    client, national_admin, oslo
):
    login(client, national_admin)
    response = client.post(
        reverse("natadmin_association_new"),
        {"name": "Ny forening", "municipalities": "Oslo kommune, Gotham", "is_active": "on"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "Gotham" in form.errors["municipalities"][0]
    page = response.content.decode()
    assert "Oslo kommune, Gotham" in page and 'value="Ny forening"' in page
    assert not Association.objects.filter(name="Ny forening").exists()


def test_a_name_that_occurs_twice_needs_its_county(client, national_admin):
    login(client, national_admin)
    response = client.post(
        reverse("natadmin_association_new"), {"name": "Ny", "municipalities": "Herøy"}
    )
    assert response.status_code == 200
    assert "Herøy" in response.context["form"].errors["municipalities"][0]


def test_a_duplicate_name_or_a_covered_municipality_is_refused_beside_the_field(
    client, national_admin, oslo, bergen
):
    login(client, national_admin)
    response = client.post(
        reverse("natadmin_association_new"),
        {"name": "Oslo Sanitetsforening", "municipalities": "Bergen"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["Det finnes allerede en lokalforening med dette navnet."]
    assert "Bergen Sanitetsforening" in errors["municipalities"][0]
    assert Association.objects.count() == 2
    assert Coverage.objects.get(municipality__number="4601").association == bergen


def test_she_creates_and_edits_a_shelter(client, national_admin):
    login(client, national_admin)
    response = client.post(
        reverse("natadmin_shelter_new"),
        {"name": "Drammen krisesenter", "municipality": "Drammen kommune", "phone": "32 00 00 00"},
    )
    shelter = Shelter.objects.get(name="Drammen krisesenter")
    assert response.status_code == 302 and shelter.municipality.number == "3301"
    response = client.post(
        reverse("natadmin_shelter_edit", args=[shelter.public_id]),
        {"name": "Drammen krisesenter", "municipality": "3301", "phone": "32 00 00 01"},
    )
    shelter.refresh_from_db()
    assert response.status_code == 302 and not shelter.is_active
    assert shelter.phone.as_e164 == "+4732000001"


def test_a_duplicate_shelter_keeps_what_she_typed(client, national_admin, oslo_shelter):
    login(client, national_admin)
    response = client.post(
        reverse("natadmin_shelter_new"),
        {"name": "Oslo krisesenter", "municipality": "Gotham", "phone": "22 00 00 00"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "municipality"}
    assert 'value="Gotham"' in response.content.decode()
    assert Shelter.objects.count() == 1


def test_she_invites_the_first_coordinator_from_the_association_page(
    client, national_admin, django_capture_on_commit_callbacks
):
    association = AssociationFactory(name="Nye Sanitetsforening", covers=["3301"])
    login(client, national_admin)
    page = client.get(reverse("natadmin_association_edit", args=[association.public_id]))
    invite_url = f"{reverse('natadmin_invite')}?rolle=coordinator&forening={association.public_id}"
    assert invite_url.replace("&", "&amp;") in page.content.decode()
    form = client.get(invite_url).context["form"]
    assert form["role"].value() == "coordinator"
    assert form["association"].value() == str(association.public_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            invite_url,
            {
                "email": "ny@koordinator.example",
                "first_name": "Kari",
                "last_name": "",
                "role": "coordinator",
                "association": str(association.public_id),
            },
        )
    assert response["Location"] == reverse(
        "natadmin_association_edit", args=[association.public_id]
    )
    invitation = Invitation.objects.get(email="ny@koordinator.example")
    assert invitation.role == Role.COORDINATOR and invitation.association == association
    assert [m.to for m in mail.outbox] == [["ny@koordinator.example"]]
    assert OutboxMessage.objects.filter(to="ny@koordinator.example").count() == 1
    assert "Kari" in client.get(response["Location"]).content.decode()


def test_an_invitation_without_its_place_keeps_what_she_typed(client, national_admin):
    login(client, national_admin)
    response = client.post(
        reverse("natadmin_invite"),
        {"email": "a@b.example", "first_name": "Kari", "role": "coordinator"},
    )
    assert response.status_code == 200
    assert "association" in response.context["form"].errors
    assert 'value="a@b.example"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_people_list_searches_by_name_kept_out_of_the_address_and_filters_by_role(
    client, national_admin, coordinator_oslo, shelter_worker_oslo, volunteer_oslo
):
    login(client, national_admin)
    response = client.post(reverse("natadmin_people"), {"q": "hanne@oslo", "role": ""})
    assert response.status_code == 302 and "hanne" not in response["Location"]
    page = client.get(response["Location"])
    assert [p.email for p in page.context["page"]] == ["hanne@oslo.example"]
    page = client.get(reverse("natadmin_people") + "?rolle=shelter_staff")
    assert [p.email for p in page.context["page"]] == ["camilla@krisesenter.example"]


def test_the_people_list_asks_the_same_number_of_questions_for_3_or_30(
    client, national_admin, oslo
):
    login(client, national_admin)

    def grow(n):
        for _ in range(n):
            person(Role.COORDINATOR, place=oslo, two_step=False)

    # Her session, login and memberships (the middleware), the count, the page, their roles.
    assert assert_constant_queries(client, reverse("natadmin_people"), grow) == 6


def test_the_association_list_asks_the_same_number_of_questions_for_3_or_30(client, national_admin):
    login(client, national_admin)

    def grow(n):
        for _ in range(n):
            association = AssociationFactory()
            person(Role.COORDINATOR, place=association, two_step=False)
            free = Municipality.objects.filter(coverage__isnull=True).first()
            Coverage.objects.create(association=association, municipality=free)

    # The middleware's, the count, the page, their municipalities (2) and their coordinators.
    assert assert_constant_queries(client, reverse("natadmin_associations"), grow) == 8


def test_the_shelter_list_asks_the_same_number_of_questions_for_3_or_30(client, national_admin):
    login(client, national_admin)

    def grow(n):
        for _ in range(n):
            person(Role.SHELTER_STAFF, place=ShelterFactory(), two_step=False)

    # The middleware's, the count, the page with the municipalities, their staff.
    assert assert_constant_queries(client, reverse("natadmin_shelters"), grow) == 6


def test_viewing_a_person_is_logged(client, national_admin, coordinator_oslo):
    login(client, national_admin)
    client.get(reverse("natadmin_person", args=[coordinator_oslo.public_id]))
    entry = AccessLog.objects.get(action="view", object_type="user")
    assert entry.object_id == str(coordinator_oslo.public_id)
    assert entry.actor == national_admin and entry.role == Role.NATIONAL_ADMIN


def test_she_changes_a_coordinators_role_to_shelter_staff(
    client, national_admin, coordinator_oslo, oslo_shelter
):
    membership = coordinator_oslo.memberships.get()
    prefix = str(membership.public_id)
    login(client, national_admin)
    response = client.post(
        reverse("natadmin_membership_change", args=[membership.public_id]),
        {f"{prefix}-role": "shelter_staff", f"{prefix}-shelter": str(oslo_shelter.public_id)},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ended_at is not None
    new = Membership.objects.active().get(user=coordinator_oslo)
    assert new.role == Role.SHELTER_STAFF and new.shelter == oslo_shelter
    assert new.created_by == national_admin


def test_a_role_change_without_its_place_is_refused_beside_the_field(
    client, national_admin, coordinator_oslo
):
    membership = coordinator_oslo.memberships.get()
    prefix = str(membership.public_id)
    login(client, national_admin)
    response = client.post(
        reverse("natadmin_membership_change", args=[membership.public_id]),
        {f"{prefix}-role": "shelter_staff"},
    )
    assert response.status_code == 200
    assert "krisesenteret" in response.content.decode()
    assert Membership.objects.active().get(user=coordinator_oslo) == membership


def test_she_ends_a_role_but_never_the_last_national_admins(
    client, national_admin, coordinator_oslo
):
    login(client, national_admin)
    membership = coordinator_oslo.memberships.get()
    client.post(reverse("natadmin_membership_end", args=[membership.public_id]))
    membership.refresh_from_db()
    assert membership.ended_at is not None
    own = national_admin.memberships.get()
    client.post(reverse("natadmin_membership_end", args=[own.public_id]))
    own.refresh_from_db()
    assert own.ended_at is None


def test_a_volunteers_role_is_not_changed_here(client, national_admin, volunteer_oslo):
    login(client, national_admin)
    membership = volunteer_oslo.memberships.get()
    response = client.post(reverse("natadmin_membership_end", args=[membership.public_id]))
    assert response.status_code == 404
    assert (
        client.get(reverse("natadmin_person", args=[volunteer_oslo.public_id])).status_code == 404
    )
    assert "nora@" not in client.get(reverse("natadmin_people")).content.decode()
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_she_closes_a_login_and_opens_it_again_never_deleting_it(
    client, national_admin, coordinator_oslo
):
    login(client, national_admin)
    client.post(reverse("natadmin_person_deactivate", args=[coordinator_oslo.public_id]))
    coordinator_oslo.refresh_from_db()
    assert not coordinator_oslo.is_active and coordinator_oslo.sessions_revoked_at
    assert User.objects.filter(pk=coordinator_oslo.pk).exists()
    client.post(reverse("natadmin_person_reactivate", args=[coordinator_oslo.public_id]))
    coordinator_oslo.refresh_from_db()
    assert coordinator_oslo.is_active
    # Who closed it and opened it again, and when: the change history (is_active alone).
    from auditlog.models import LogEntry

    changes = LogEntry.objects.get_for_object(coordinator_oslo).filter(
        action=LogEntry.Action.UPDATE
    )
    changes = changes.order_by("pk")
    assert [(e.actor, e.changes_dict["is_active"][1]) for e in changes] == [
        (national_admin, "False"),
        (national_admin, "True"),
    ]
    client.post(reverse("natadmin_person_deactivate", args=[national_admin.public_id]))
    national_admin.refresh_from_db()
    assert national_admin.is_active


def test_resetting_two_step_removes_the_authenticators_and_is_logged(
    client, national_admin, coordinator_oslo, django_capture_on_commit_callbacks
):
    assert Authenticator.objects.filter(user=coordinator_oslo).exists()
    login(client, national_admin)
    url = reverse("natadmin_person_reset_two_step", args=[coordinator_oslo.public_id])
    client.post(url)  # not confirmed: nothing happens
    assert Authenticator.objects.filter(user=coordinator_oslo).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=coordinator_oslo).exists()
    entry = AccessLog.objects.get(action=AccessLog.Action.RESET_TWO_STEP)
    assert entry.actor == national_admin and entry.object_id == str(coordinator_oslo.public_id)
    assert entry.role == Role.NATIONAL_ADMIN
    assert [m.to for m in mail.outbox] == [[coordinator_oslo.email]]


def test_a_volunteers_two_step_is_reset_by_her_coordinator_not_here(
    client, national_admin, volunteer_oslo
):
    login(client, national_admin)
    client.post(
        reverse("natadmin_person_reset_two_step", args=[volunteer_oslo.public_id]),
        {"confirmed": "yes"},
    )
    assert Authenticator.objects.filter(user=volunteer_oslo).exists()
    assert not AccessLog.objects.filter(action=AccessLog.Action.RESET_TWO_STEP).exists()
