"""The public application: routing, receipts, merging, spam, and every kind of bad input."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications.models import Notification
from tests.conftest import login
from tests.factories import person
from volunteers.models import Volunteer
from volunteers.notifications import APPLICATION_OUTSIDE_AREA, APPLICATION_REPEATED, NEW_APPLICATION

pytestmark = pytest.mark.django_db

URL = reverse("become_volunteer")


def application(**overrides):
    data = {
        "first_name": "Amina",
        "last_name": "Ali",
        "email": "Amina.Ali@example.no",
        "phone": "912 34 567",
        "municipality": "Bærum (Akershus)",
        "birth_year": str(timezone.localdate().year - 40),
        "languages": ["no", "so"],
        "strengths": ["1", "16"],
        "availability": ["2"],
        "motivation": "Jeg vil gjerne være en støtte for en som starter på nytt.",
        "is_woman": "on",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, application(**overrides))


def test_the_page_says_what_is_expected_in_norwegian(client, settings):
    settings.VOLUNTEER_MINIMUM_AGE = 25
    html = client.get(URL).content.decode()
    assert "Du er 25 år eller eldre." in html
    assert "ett år" in html and "2–4 ganger i måneden" in html
    assert "bare kvinner" in html
    assert 'href="/personvern/"' in html
    assert html.count("<option value=") >= 357  # every municipality in the list


def test_an_application_is_routed_to_the_association_covering_her_municipality(
    client, oslo, bergen, coordinator_oslo, coordinator_bergen, django_capture_on_commit_callbacks
):
    response = submit(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("application_received")
    volunteer = Volunteer.objects.get()
    assert volunteer.association == oslo
    assert not volunteer.outside_area
    assert volunteer.email == "amina.ali@example.no"
    assert volunteer.phone.as_e164 == "+4791234567"
    assert volunteer.municipality.number == "3201"
    assert volunteer.language_codes == ["no", "so"]
    assert volunteer.strengths == 1 | 16 and volunteer.availability == 2
    assert volunteer.status == "applied"
    # The receipt goes to her; a neutral task email and a notification to Oslo's coordinator only.
    assert sorted(m.to[0] for m in mail.outbox) == ["amina.ali@example.no", coordinator_oslo.email]
    receipt = next(m for m in mail.outbox if m.to == ["amina.ali@example.no"])
    assert "Vi har mottatt søknaden din" in receipt.subject
    task = next(m for m in mail.outbox if m.to == [coordinator_oslo.email])
    assert "Amina" not in task.body and "Bærum" not in task.body
    assert str(volunteer.public_id) in task.body
    assert Notification.objects.get().recipient == coordinator_oslo
    assert Notification.objects.get().kind == NEW_APPLICATION
    assert str(volunteer.public_id) in Notification.objects.get().link


def test_she_is_answered_in_the_language_she_applied_in(
    client, oslo, django_capture_on_commit_callbacks
):
    client.cookies["rv_language"] = "en"  # she chose English on the page
    submit(client, django_capture_on_commit_callbacks)
    assert Volunteer.objects.get().language == "en"
    receipt = next(m for m in mail.outbox if m.to == ["amina.ali@example.no"])
    assert "Vi har mottatt" not in receipt.subject and "application" in receipt.subject.lower()


def test_outside_every_area_it_goes_to_the_nearest_and_national_admins_see_it(
    client, oslo, bergen, national_admin, django_capture_on_commit_callbacks
):
    # Voss is nearer Bergen than Oslo.
    submit(client, django_capture_on_commit_callbacks, municipality="Voss")
    volunteer = Volunteer.objects.get()
    assert volunteer.association == bergen
    assert volunteer.outside_area
    assert Notification.objects.filter(
        recipient=national_admin, kind=APPLICATION_OUTSIDE_AREA
    ).exists()


def test_a_repeated_application_is_merged_and_the_sender_sees_nothing_different(
    client, oslo, coordinator_oslo, django_capture_on_commit_callbacks
):
    first = submit(client, django_capture_on_commit_callbacks)
    second = submit(
        client,
        django_capture_on_commit_callbacks,
        email="amina.ali@EXAMPLE.no",
        motivation="Ny tekst.",
    )
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    volunteer = Volunteer.objects.get()
    assert volunteer.application_count == 2
    assert volunteer.motivation == "Ny tekst."
    kinds = list(
        Notification.objects.filter(recipient=coordinator_oslo).values_list("kind", flat=True)
    )
    assert sorted(kinds) == sorted([NEW_APPLICATION, APPLICATION_REPEATED])


def test_the_coordinator_sees_which_answers_a_repeated_application_changed(
    client, oslo, coordinator_oslo, django_capture_on_commit_callbacks
):
    submit(client, django_capture_on_commit_callbacks)
    submit(client, django_capture_on_commit_callbacks, strengths=["16", "1"])  # same answers
    volunteer = Volunteer.objects.get()
    assert volunteer.changed_on_reapplying == []

    submit(client, django_capture_on_commit_callbacks, phone="987 65 432", languages=["no"])
    volunteer.refresh_from_db()
    assert volunteer.phone.as_e164 == "+4798765432"  # the newest answers win
    assert volunteer.changed_on_reapplying == ["phone", "languages"]

    login(client, coordinator_oslo)
    html = client.get(reverse("volunteer_detail", args=[volunteer.public_id])).content.decode()
    assert "Den siste søknaden endret: mobiltelefon, språk." in html


def test_a_robot_filling_the_hidden_field_is_thanked_and_ignored(
    client, oslo, django_capture_on_commit_callbacks
):
    response = submit(client, django_capture_on_commit_callbacks, website="http://spam.example")
    assert response.status_code == 302
    assert not Volunteer.objects.exists()
    assert not mail.outbox


def test_too_many_applications_from_one_address_are_refused_for_a_while(
    client, oslo, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "application": "2/1h/ip"}
    for n in range(2):
        assert (
            submit(client, django_capture_on_commit_callbacks, email=f"a{n}@example.no").status_code
            == 302
        )
    response = submit(client, django_capture_on_commit_callbacks, email="a3@example.no")
    assert response.status_code == 200
    assert "Prøv igjen om en time" in response.content.decode()
    assert Volunteer.objects.count() == 2


def test_behind_the_proxy_the_limit_counts_the_visitor_not_the_proxy(
    client, oslo, settings, behind_proxies, django_capture_on_commit_callbacks
):
    behind_proxies(1)
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "application": "2/1h/ip"}
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches Django from the proxy

    def from_visitor(address, email, spoofed=""):
        client.defaults.update(proxy, HTTP_X_FORWARDED_FOR=f"{spoofed}, {address}".lstrip(", "))
        return submit(client, django_capture_on_commit_callbacks, email=email)

    assert from_visitor("198.51.100.7", "a1@example.no").status_code == 302
    assert from_visitor("198.51.100.7", "a2@example.no", spoofed="192.0.2.1").status_code == 302
    # Her third is refused, whatever she puts in front of the address the proxy appends ...
    refused = from_visitor("198.51.100.7", "a3@example.no", spoofed="192.0.2.2")
    assert refused.status_code == 200
    assert "Prøv igjen om en time" in refused.content.decode()
    # ... while another visitor behind the same proxy applies.
    assert from_visitor("203.0.113.9", "b1@example.no").status_code == 302
    assert Volunteer.objects.count() == 3


@pytest.mark.parametrize(
    ("proxies", "forwarded"),
    [(1, ""), (1, "not-an-address"), (1, "198.51.100.7, "), (2, "198.51.100.7")],
)
def test_a_missing_short_or_garbled_forwarded_header_never_gives_an_error_page(
    client, oslo, behind_proxies, proxies, forwarded, django_capture_on_commit_callbacks
):
    behind_proxies(proxies)
    client.defaults.update(HTTP_X_FORWARDED_FOR=forwarded)
    assert submit(client, django_capture_on_commit_callbacks).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"birth_year": str(timezone.localdate().year - 20)},
            "birth_year",
            "Du må være minst 25 år",
        ),
        ({"birth_year": str(timezone.localdate().year - 101)}, "birth_year", "Sjekk fødselsåret."),
        ({"birth_year": "nitten"}, "birth_year", "Oppgi et heltall."),
        ({"phone": "12345"}, "phone", "Skriv et gyldig telefonnummer"),
        ({"municipality": "Atlantis"}, "municipality", "Vi fant ikke kommunen"),
        ({"municipality": "Herøy"}, "municipality", "Det finnes to kommuner som heter Herøy"),
        ({"motivation": ""}, "motivation", "Fortell oss litt om hvorfor"),
        ({"is_woman": None}, "is_woman", "Bare kvinner kan være ressursvenner"),
        ({"consent": None}, "consent", "Vi trenger samtykket ditt"),
        ({"languages": None}, "languages", "Velg minst ett språk"),
        ({"motivation": "x" * 3001}, "motivation", "3000"),
    ],
)
def test_bad_input_gets_a_norwegian_message_by_the_field_and_keeps_what_was_typed(
    client, oslo, overrides, field, message, django_capture_on_commit_callbacks
):
    response = submit(client, django_capture_on_commit_callbacks, **overrides)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'id="error_1_id_{field}"' in html or 'id="languages-error"' in html
    assert 'value="Amina"' in html and 'value="amina.ali@example.no"' in html.lower()
    assert not Volunteer.objects.exists()
    assert not mail.outbox


def test_herøy_can_be_picked_with_its_county(client, oslo, django_capture_on_commit_callbacks):
    submit(client, django_capture_on_commit_callbacks, municipality="Herøy (Nordland)")
    assert Volunteer.objects.get().municipality.number == "1818"


def test_the_receipt_and_notification_say_nothing_but_that_there_is_a_task(
    client, oslo, coordinator_oslo, django_capture_on_commit_callbacks
):
    submit(client, django_capture_on_commit_callbacks, motivation="HEMMELIG-MOTIVASJON")
    for message in mail.outbox:
        body = message.body + message.alternatives[0][0]
        assert "HEMMELIG" not in body and "Bærum" not in body
    assert "HEMMELIG" not in str(Notification.objects.get().text)
    assert person(Role.VOLUNTEER, place=oslo)  # sanity: fixtures still work after the post
