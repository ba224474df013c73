"""Phone numbers of people, associations and shelters: read, checked and stored like the
volunteers' (E.164), the migration that normalised the old values, and how they are shown."""

import importlib
import logging
from io import StringIO

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.template import Context, Template
from django.urls import reverse

from accounts.models import Association, Role, Shelter, User
from tests.conftest import login
from tests.factories import AssociationFactory, ShelterFactory, UserFactory, person

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("accounts.migrations.0010_phone_numbers_e164")
MESSAGE = "Skriv et gyldig telefonnummer, f.eks. 912 34 567."


def historical(name: str):
    """The model as the migration function sees it: before it, `phone` is plain text."""
    state = MigrationLoader(connection).project_state(
        ("accounts", "0008_access_log_reset_two_step")
    )
    return state.apps.get_model("accounts", name)


def test_the_migration_normalises_every_readable_number_and_reports_the_rest_by_id(caplog):
    old_user = historical("User")
    typed = {
        "landline": "22 00 10 00",
        "mobile": "912 34 567",
        "prefix": "0047 400 00 011",
        "already": "+4740000012",
        "foreign": "+46 8 123 456 78",
        "short": "113",
        "words": "ring sentralbordet",
        "empty": "",
    }
    ids = {
        key: old_user.objects.create(email=f"{key}@example.no", phone=value).pk
        for key, value in typed.items()
    }
    out = StringIO()

    with caplog.at_level(logging.WARNING, logger="accounts.migrations"):
        changed, unreadable = MIGRATION.normalise(old_user, out=out)

    stored = dict(old_user.objects.values_list("pk", "phone"))
    assert {key: stored[pk] for key, pk in ids.items()} == {
        "landline": "+4722001000",
        "mobile": "+4791234567",
        "prefix": "+4740000011",
        "already": "+4740000012",
        "foreign": "+46812345678",
        "short": "113",  # kept as it was: it may be the only copy
        "words": "ring sentralbordet",
        "empty": "",
    }
    assert changed == 4
    assert unreadable == [ids["short"], ids["words"]]
    report = out.getvalue() + caplog.text
    assert f"ids: {ids['short']}, {ids['words']}" in out.getvalue()
    assert f"ids: {ids['short']}, {ids['words']}" in caplog.text
    for value in typed.values():  # the report names rows, never a number
        if value:
            assert value not in report
    assert "4 phone number(s) normalised" in out.getvalue()


def test_the_migration_covers_associations_and_shelters_too():
    old_association, old_shelter = historical("Association"), historical("Shelter")
    association = old_association.objects.create(name="Moss Sanitetsforening", phone="69 00 00 00")
    shelter = old_shelter.objects.create(
        name="Moss krisesenter",
        municipality_id=Shelter._meta.get_field("municipality")
        .related_model.objects.get(number="3103")
        .pk,
        phone=" +47 69 00 20 00 ",
    )
    MIGRATION.normalise_phones(
        MigrationLoader(connection)
        .project_state(("accounts", "0008_access_log_reset_two_step"))
        .apps,
        None,
    )
    assert Association.objects.get(pk=association.pk).phone.as_e164 == "+4769000000"
    assert Shelter.objects.get(pk=shelter.pk).phone.as_e164 == "+4769002000"


def test_a_coordinator_is_told_next_to_the_field_when_her_number_is_wrong(client, oslo):
    coordinator = person(Role.COORDINATOR, place=oslo, phone="+4740000011")
    login(client, coordinator)
    response = client.post(
        reverse("account_settings"), {"phone": "12 34", "language": "nb"}, follow=True
    )
    html = response.content.decode()
    error = html[html.index('id="id_phone_error"') :]
    assert MESSAGE in error[: error.index("</div>")]  # beside the field
    assert 'value="1234"' in html  # what she typed is kept (the widget drops the spaces)
    coordinator.refresh_from_db()
    assert coordinator.phone.as_e164 == "+4740000011"

    client.post(reverse("account_settings"), {"phone": "400 00 099", "language": "nb"})
    coordinator.refresh_from_db()
    assert str(coordinator.phone.as_e164) == "+4740000099"


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("admin:accounts_shelter_add", {"name": "Nytt krisesenter", "is_active": "on"}),
        ("admin:accounts_association_add", {"name": "Ny forening", "is_active": "on"}),
    ],
)
def test_the_admin_refuses_a_wrong_number_for_a_shelter_or_an_association(
    client, superuser_admin, url, data
):
    if "shelter" in url:
        data["municipality"] = (
            Shelter._meta.get_field("municipality").related_model.objects.get(number="0301").pk
        )
    else:  # the inline for the municipalities covered
        data.update(
            {
                "coverage-TOTAL_FORMS": "0",
                "coverage-INITIAL_FORMS": "0",
                "coverage-MIN_NUM_FORMS": "0",
                "coverage-MAX_NUM_FORMS": "1000",
            }
        )
    login(client, superuser_admin)
    before = (Shelter.objects.count(), Association.objects.count())
    response = client.post(reverse(url), {**data, "phone": "22 00"})
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert (Shelter.objects.count(), Association.objects.count()) == before

    response = client.post(reverse(url), {**data, "phone": "22 00 20 00"})
    assert response.status_code == 302
    model = Shelter if "shelter" in url else Association
    assert model.objects.get(name=data["name"]).phone.as_e164 == "+4722002000"


def test_factories_and_the_demo_give_valid_numbers(settings):
    from accounts.demo import ASSOCIATIONS, DEMO_PEOPLE, SHELTERS
    from accounts.models import phone_field

    field = phone_field("phone")
    numbers = [
        *(p[2] for p in DEMO_PEOPLE.values()),
        *(a[1] for a in ASSOCIATIONS.values()),
        *(s[1] for s in SHELTERS.values()),
    ]
    for number in numbers:
        assert field.to_python(number).is_valid(), number
    assert ShelterFactory().phone.is_valid()
    assert UserFactory(phone="+4791234567").phone.is_valid()
    assert AssociationFactory(phone="22 00 10 00").phone.as_e164 == "+4722001000"


def test_numbers_are_shown_the_way_people_read_them_and_tel_links_dial_them():
    template = Template("{% load ressursvenner %}{{ n|phone }}|{{ n|tel }}")

    def show(value):
        return template.render(Context({"n": value}))

    assert show(User(phone="+4722001000").phone) == "22 00 10 00|+4722001000"
    assert show(User(phone="+46812345678").phone) == "+46 8 123 456 78|+46812345678"
    assert show(User(phone="113").phone) == "113|113"  # an old value kept as typed
    assert show(User(phone="").phone) == "|"


def test_the_emergency_page_shows_the_shelter_and_coordinator_numbers(
    client, oslo, oslo_shelter, volunteer_oslo
):
    from tests.factories import volunteer

    person(Role.COORDINATOR, place=oslo, phone="+4740000011", email="k@oslo.example")
    volunteer(oslo, status="approved", user=volunteer_oslo, email=volunteer_oslo.email)
    login(client, volunteer_oslo)
    html = client.get(reverse("emergency")).content.decode()
    assert 'href="tel:+4740000011">40 00 00 11</a>' in html
