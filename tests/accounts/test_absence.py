"""A coordinator marks herself away (issue 17): the rule of who is present lives in
User.objects.active_coordinators_of, and the form refuses a range that ends before it begins
or has passed, with a message next to the field."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Absence, Role, User, coordinators_by_association
from tests.conftest import login
from tests.factories import person

pytestmark = pytest.mark.django_db


def day(offset: int):
    return timezone.localdate() + timedelta(days=offset)


def test_a_coordinator_away_today_is_not_among_those_who_get_the_notices(oslo, coordinator_oslo):
    berit = person(Role.COORDINATOR, place=oslo, email="berit@oslo.example")
    Absence.objects.create(user=coordinator_oslo, starts_on=day(0), ends_on=day(0))
    assert list(User.objects.active_coordinators_of(oslo)) == [berit]
    assert set(User.objects.active_coordinators_of(oslo, away_too=True)) == {
        coordinator_oslo,
        berit,
    }
    assert coordinators_by_association([oslo.pk]) == {oslo.pk: [berit.pk]}
    # Both away: nobody present (not a fallback to someone who is away).
    Absence.objects.create(user=berit, starts_on=day(-3), ends_on=day(3))
    assert not User.objects.active_coordinators_of(oslo).exists()
    assert coordinators_by_association([oslo.pk]) == {}


def test_she_marks_herself_away_on_her_settings_page_and_removes_it(client, coordinator_oslo):
    login(client, coordinator_oslo)
    page = client.get(reverse("account_settings")).content.decode()
    assert 'id="borte"' in page and 'name="starts_on"' in page
    response = client.post(
        reverse("absence_add"),
        {"starts_on": day(0).isoformat(), "ends_on": day(6).isoformat()},
    )
    assert response.status_code == 302
    absence = Absence.objects.get(user=coordinator_oslo)
    assert (absence.starts_on, absence.ends_on) == (day(0), day(6))
    page = client.get(reverse("account_settings")).content.decode()
    assert reverse("absence_remove", args=[absence.public_id]) in page
    client.post(reverse("absence_remove", args=[absence.public_id]))
    assert not Absence.objects.exists()  # it had not begun: gone


def test_back_early_ends_a_begun_absence_yesterday(client, coordinator_oslo):
    absence = Absence.objects.create(user=coordinator_oslo, starts_on=day(-3), ends_on=day(5))
    login(client, coordinator_oslo)
    client.post(reverse("absence_remove", args=[absence.public_id]))
    absence.refresh_from_db()
    assert absence.ends_on == day(-1)
    assert list(User.objects.active_coordinators_of(absence.user.memberships.get().association))


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "message"),
    [
        (5, 2, "Siste dag kan ikke være før første dag."),
        (-10, -2, "Siste dag er allerede passert."),
    ],
)
def test_a_bad_range_gets_a_message_next_to_the_field_and_keeps_what_she_typed(
    client, coordinator_oslo, starts_on, ends_on, message
):
    login(client, coordinator_oslo)
    data = {"starts_on": day(starts_on).isoformat(), "ends_on": day(ends_on).isoformat()}
    response = client.post(reverse("absence_add"), data)
    assert response.status_code == 200
    html = response.content.decode()
    field = html[html.index('name="ends_on"') :]
    assert message in field[: field.index("</div>") + 400]
    assert f'value="{data["starts_on"]}"' in html and f'value="{data["ends_on"]}"' in html
    assert not Absence.objects.exists()


def test_an_empty_form_gets_messages_and_no_500(client, coordinator_oslo):
    login(client, coordinator_oslo)
    response = client.post(reverse("absence_add"), {"starts_on": "", "ends_on": "ikke en dato"})
    assert response.status_code == 200
    assert not Absence.objects.exists()


def test_only_a_coordinator_has_absences(client, volunteer_oslo, coordinator_oslo):
    login(client, volunteer_oslo)
    assert 'id="borte"' not in client.get(reverse("account_settings")).content.decode()
    client.post(
        reverse("absence_add"), {"starts_on": day(0).isoformat(), "ends_on": day(1).isoformat()}
    )
    assert not Absence.objects.exists()
    # and nobody removes another's
    theirs = Absence.objects.create(user=coordinator_oslo, starts_on=day(0), ends_on=day(1))
    response = client.post(reverse("absence_remove", args=[theirs.public_id]))
    assert response.status_code == 404
    assert Absence.objects.filter(pk=theirs.pk).exists()


def test_the_start_page_lists_every_coordinator_and_marks_who_is_away(
    client, oslo, coordinator_oslo
):
    berit = person(Role.COORDINATOR, place=oslo, first_name="Berit", email="berit@oslo.example")
    Absence.objects.create(user=berit, starts_on=day(-1), ends_on=day(6))
    login(client, coordinator_oslo)
    page = client.get("/").content.decode()
    assert "berit@oslo.example" in page  # still a coordinator of Oslo
    assert f"borte til og med {day(6):%d.%m.%Y}" in page
    assert f'href="{reverse("account_settings")}#borte"' in page
