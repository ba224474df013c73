"""A new version of the confidentiality declaration: NKS sentralt publishes it, every active
ressursvenn signs it on her own page (or her coordinator records that she signed it on paper),
the coordinator sees who has not, and after settings.CONFIDENTIALITY_SIGN_DAYS she and her
coordinators are reminded, once (issue 17)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.reminders import all_rules, sweep
from tests.conftest import login
from tests.factories import volunteer
from volunteers.models import ConfidentialityDeclaration, Status, Volunteer
from volunteers.selectors import confidentiality_overdue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def first(db):
    return ConfidentialityDeclaration.objects.create(
        version=1, text="Jeg holder taushet.", valid_from=timezone.localdate() - timedelta(days=400)
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_national_admin_publishes_a_new_version_and_everyone_active_is_told(
    client, oslo, bergen, national_admin, coordinator_oslo, volunteer_oslo, first
):
    volunteer(oslo, status=Status.APPROVED, user=volunteer_oslo, confidentiality_version=first)
    volunteer(oslo, status=Status.APPROVED, confidentiality_version=first)  # no login
    volunteer(oslo, status=Status.COURSE)  # not yet active: not told
    login(client, national_admin)
    url = reverse("declaration_publish")
    html = client.get(url).content.decode()
    assert "The current text is version 1" in html
    assert "0 active ressursvenner have not signed it yet." in html

    # A mistake is shown next to the field, and what was typed is kept.
    response = client.post(url, {"text": "Ny tekst om taushet."})
    assert response.status_code == 200
    assert "Tick the box to confirm." in response.content.decode()
    assert "Ny tekst om taushet." in response.content.decode()
    response = client.post(url, {"text": first.text, "confirmed": "on"})
    assert "The text is the same as the current version." in response.content.decode()
    assert ConfidentialityDeclaration.objects.count() == 1

    response = client.post(url, {"text": "Ny tekst om taushet.", "confirmed": "on"}, follow=True)
    sign_by = (timezone.localdate() + timedelta(days=settings.CONFIDENTIALITY_SIGN_DAYS)).strftime(
        "%d.%m.%Y"
    )
    assert messages_of(response) == [
        f"Version 2 is published. Every active ressursvenn must sign it by {sign_by}."
    ]
    current = ConfidentialityDeclaration.current()
    assert (current.version, current.valid_from) == (2, timezone.localdate())
    told = {
        (n.recipient, n.role, n.link)
        for n in Notification.objects.filter(kind="confidentiality_new")
    }
    assert told == {
        (volunteer_oslo, "volunteer", reverse("my_confidentiality")),
        (coordinator_oslo, "coordinator", reverse("confidentiality_overview")),
    }
    assert "2 active ressursvenner have not signed it yet." in client.get(url).content.decode()

    # The coordinator sees both as not signed, and how each signs.
    login(client, coordinator_oslo)
    html = client.get(reverse("confidentiality_overview")).content.decode()
    assert html.count("Amina Hansen") == 2
    assert "On her own page" in html and "On paper: record it on her page" in html
    assert "Overdue" not in html  # the days to sign it have only begun


def test_only_a_national_admin_publishes(client, coordinator_oslo, first):
    login(client, coordinator_oslo)
    assert client.get(reverse("declaration_publish")).status_code == 403
    response = client.post(reverse("declaration_publish"), {"text": "X", "confirmed": "on"})
    assert response.status_code == 403
    assert ConfidentialityDeclaration.objects.count() == 1


def test_she_signs_the_new_version_on_her_own_page(client, oslo, volunteer_oslo, first):
    nora = volunteer(
        oslo, status=Status.APPROVED, user=volunteer_oslo, confidentiality_version=first
    )
    second = ConfidentialityDeclaration.objects.create(version=2, text="Andre versjon.")
    login(client, volunteer_oslo)
    profile = client.get(reverse("my_profile")).content.decode()
    assert "A new confidentiality declaration is waiting for your signature" in profile
    url = reverse("my_confidentiality")
    html = client.get(url).content.decode()
    assert "Andre versjon." in html and "Sign the declaration" in html

    response = client.post(url, {"version": 2})
    assert "Tick the box to sign." in response.content.decode()
    response = client.post(url, {"version": 1, "confirmed": "on"})
    assert "A newer version of the declaration has been published" in response.content.decode()
    nora.refresh_from_db()
    assert nora.confidentiality_version == first

    response = client.post(url, {"version": 2, "confirmed": "on"}, follow=True)
    assert messages_of(response) == ["Thank you. Your signature is recorded."]
    nora.refresh_from_db()
    assert (nora.confidentiality_version, nora.confidentiality_signed_on) == (
        second,
        timezone.localdate(),
    )
    assert "You signed version 2" in client.get(url).content.decode()
    assert "You signed version 2" in client.get(reverse("my_profile")).content.decode()


def test_her_coordinator_records_it_for_one_without_a_login(client, oslo, coordinator_oslo, first):
    paper = volunteer(
        oslo, status=Status.APPROVED, first_name="Papir", confidentiality_version=first
    )
    second = ConfidentialityDeclaration.objects.create(version=2, text="Andre versjon.")
    login(client, coordinator_oslo)
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "She has no login: record here that she signed it on paper." in page
    assert "Papir" in client.get(reverse("confidentiality_overview")).content.decode()
    today = timezone.localdate().isoformat()
    client.post(
        reverse("screening_record", args=[paper.public_id, "confidentiality"]),
        {"confidentiality-on": today, "confidentiality-version": second.pk},
    )
    paper.refresh_from_db()
    assert paper.confidentiality_version == second
    assert "Papir" not in client.get(reverse("confidentiality_overview")).content.decode()


def test_unsigned_after_the_deadline_she_and_her_coordinators_are_reminded_once(
    client, oslo, coordinator_oslo, volunteer_oslo, first
):
    nora = volunteer(
        oslo, status=Status.APPROVED, user=volunteer_oslo, confidentiality_version=first
    )
    paper = volunteer(oslo, status=Status.APPROVED, confidentiality_version=first)
    volunteer(oslo, status=Status.ENDED, confidentiality_version=first)  # left: not reminded
    second = ConfidentialityDeclaration.objects.create(version=2, text="Andre versjon.")
    rules = [r for r in all_rules() if r.name == "volunteers.confidentiality_overdue"]
    days = settings.CONFIDENTIALITY_SIGN_DAYS
    # Within the days to sign it: nothing yet.
    assert sweep(today=timezone.localdate() + timedelta(days=days - 1), rules=rules).sent == {
        "volunteers.confidentiality_overdue": 0
    }
    later = timezone.localdate() + timedelta(days=days)
    sweep(today=later, rules=rules)
    sweep(today=later + timedelta(days=1), rules=rules)  # never twice
    reminded = sorted(
        (n.recipient.email, n.role, n.link)
        for n in Notification.objects.filter(kind="confidentiality_overdue")
    )
    assert reminded == sorted(
        [
            (coordinator_oslo.email, "coordinator", nora.get_absolute_url()),
            (coordinator_oslo.email, "coordinator", paper.get_absolute_url()),
            (volunteer_oslo.email, "volunteer", reverse("my_confidentiality")),
        ]
    )
    # Nothing about her in what is sent.
    text = str(Notification.objects.filter(kind="confidentiality_overdue").first().text)
    assert "Amina" not in text and str(days) in text
    # Once she has signed, she is not overdue any more.
    nora.confidentiality_version = second
    nora.save()
    overdue = Volunteer.objects.filter(confidentiality_overdue(later), status=Status.APPROVED)
    assert list(overdue) == [paper]


def test_the_overview_marks_who_is_overdue(client, oslo, coordinator_oslo, first):
    late = volunteer(oslo, status=Status.APPROVED, first_name="Sen", confidentiality_version=first)
    ConfidentialityDeclaration.objects.create(
        version=2,
        text="Andre versjon.",
        valid_from=timezone.localdate() - timedelta(days=settings.CONFIDENTIALITY_SIGN_DAYS + 1),
    )
    login(client, coordinator_oslo)
    html = client.get(reverse("confidentiality_overview")).content.decode()
    assert "Sen Hansen" in html and "Overdue: not suggested for matching" in html
    page = client.get(late.get_absolute_url()).content.decode()
    assert "after that she is not suggested for matching" in page
