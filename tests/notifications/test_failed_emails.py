"""The national admin's page of emails that could not be delivered (/admin-nks/), which took
the place of Django's admin for it: listed a page at a time with no text, and tried again."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications import services
from notifications.models import OutboxMessage, OutboxStatus
from tests.conftest import login
from tests.factories import person
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

LIST = "natadmin_failed_emails"


def _failed(**fields) -> OutboxMessage:
    values = {
        "to": "kari@example.no",
        "template": "matching/email/concern",
        "subject": "HEMMELIG-emne",
        "body": "HEMMELIG-tekst",
        "status": OutboxStatus.FAILED,
        "attempts": services.MAX_ATTEMPTS,
        "last_error": "SMTPRecipientsRefused",
    }
    return OutboxMessage.objects.create(**{**values, **fields})


def test_the_national_admin_sees_the_failed_emails_without_their_text(client, national_admin):
    failed = _failed()
    OutboxMessage.objects.create(to="sendt@example.no", template="x", status=OutboxStatus.SENT)
    OutboxMessage.objects.create(to="venter@example.no", template="x")
    login(client, national_admin)
    html = client.get(reverse(LIST)).content.decode()
    assert "kari@example.no" in html and "SMTPRecipientsRefused" in html
    assert "matching/email/concern" in html
    assert "HEMMELIG" not in html
    assert "sendt@example.no" not in html and "venter@example.no" not in html
    assert reverse("natadmin_failed_email_retry", args=[failed.public_id]) in html


def test_the_start_page_card_links_to_the_page(client, national_admin):
    _failed()
    login(client, national_admin)
    html = client.get(reverse("home")).content.decode()
    assert reverse(LIST) in html
    assert "/admin/" not in html


def test_the_list_pages_and_asks_the_same_number_of_queries_however_long(client, national_admin):
    login(client, national_admin)

    def grow(n: int) -> None:
        for i in range(n):
            _failed(to=f"person{OutboxMessage.objects.count()}-{i}@example.no")

    assert assert_constant_queries(client, reverse(LIST), grow) == 5
    grow(60)
    page_two = client.get(reverse(LIST) + "?side=2")
    assert page_two.status_code == 200
    assert page_two.context["page"].number == 2


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SHELTER_STAFF, Role.VOLUNTEER])
def test_everyone_else_is_refused_the_page_and_the_retry(client, role, oslo, oslo_shelter):
    failed = _failed()
    place = oslo_shelter if role == Role.SHELTER_STAFF else oslo
    login(client, person(role, place=place))
    assert client.get(reverse(LIST)).status_code == 403
    retry = reverse("natadmin_failed_email_retry", args=[failed.public_id])
    assert client.post(retry).status_code == 403
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.FAILED


def test_try_again_sends_the_email_again(
    client, national_admin, django_capture_on_commit_callbacks
):
    failed = _failed(
        template="volunteers/email/application_received",
        context={"first_name": "Kari"},
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )
    login(client, national_admin)
    retry = reverse("natadmin_failed_email_retry", args=[failed.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry)
    assert response.status_code == 302 and response["Location"] == reverse(LIST)
    assert mail.outbox[0].to == ["kari@example.no"]
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.SENT
    # Gone from the list, and a second try of it finds nothing to try.
    assert "kari@example.no" not in client.get(reverse(LIST)).content.decode()
    assert client.post(retry).status_code == 404


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"template": "", "subject": "Logg inn"}, "innloggings-e-post"),
        ({"to": ""}, "adressen"),
    ],
)
def test_a_login_email_or_an_erased_address_is_not_tried_again(
    client, national_admin, django_capture_on_commit_callbacks, fields, reason
):
    failed = _failed(**fields)
    login(client, national_admin)
    retry = reverse("natadmin_failed_email_retry", args=[failed.public_id])
    html = client.get(reverse(LIST)).content.decode()
    assert retry not in html  # no button for it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry, follow=True)
    assert reason in response.content.decode().lower()
    assert mail.outbox == []
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.FAILED
