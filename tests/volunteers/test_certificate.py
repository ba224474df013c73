"""Her volunteer certificate (issue 18, item 7): a PDF with her name, the programme in general
words, her period, the courses she completed and her hours; for her and her association's
coordinators only, logged as an export, refused once she is erased."""

from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog, Role
from courses.models import Course, CourseKind, Enrolment, EnrolmentStatus, Session
from tests.conftest import login
from tests.factories import person, volunteer
from tests.volunteers.certificate_text import pdf_text
from volunteers import certificate
from volunteers.models import CommitmentPeriod, Status
from volunteers.services import volunteer_erase

pytestmark = pytest.mark.django_db


@pytest.fixture
def venn(oslo):
    """An approved ressursvenn with a login, her year running, who attended the basic course
    (its title names violence: the certificate names the kind of course instead)."""
    user = person(Role.VOLUNTEER, place=oslo, email="aase@frivillig.example")
    her = volunteer(
        oslo,
        status=Status.APPROVED,
        user=user,
        first_name="Åse",
        last_name="Brækhus",
        approved_at=timezone.now(),
    )
    today = timezone.localdate()
    CommitmentPeriod.objects.create(
        volunteer=her, starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=300)
    )
    day = today - timedelta(days=30)
    basic = Course.objects.get(kind=CourseKind.BASIC, required_for_matching=True)
    neutral = Course.objects.create(title="Samtalekurs – del 1", kind=CourseKind.SPECIALISATION)
    for course in (basic, neutral):
        session = Session.objects.create(
            course=course,
            association=oslo,
            starts_at=timezone.make_aware(datetime.combine(day, time(17))),
            ends_at=timezone.make_aware(datetime.combine(day, time(20))),
            place="Lokalet",
            capacity=10,
        )
        Enrolment.objects.create(session=session, volunteer=her, status=EnrolmentStatus.ATTENDED)
    return her


def _forbidden_in(text: str) -> list[str]:
    return [word for word in settings.SENSITIVE_WORDS if word.lower() in text.lower()]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_certificate_says_who_what_when_and_nothing_sensitive(venn, language):
    pdf = certificate.render_pdf(certificate.certificate_for(venn), language)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Åse Brækhus" in text
    assert "Sanitetskvinnene" in text or venn.association.name in text
    assert "Norske Kvinners Sanitetsforening" in text
    assert "Samtalekurs – del 1" in text  # the en dash, in WinAnsi
    # The basic course's title names violence: the certificate names the kind of course.
    assert "Grunnkurs: vold" not in text
    assert ("Grunnkurs" if language == "nb" else "Basic course") in text
    assert ("Møter" if language == "nb" else "Meetings") in text
    assert _forbidden_in(text) == []
    title = "Frivillighetsattest" if language == "nb" else "Volunteer certificate"
    assert title in text
    assert str(timezone.localdate().year) in text


def test_she_downloads_her_own_certificate_from_her_profile(client, venn):
    login(client, venn.user)
    assert "Last ned frivillighetsattest" in client.get(reverse("my_profile")).content.decode()
    response = client.get(reverse("my_certificate"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="frivillighetsattest.pdf"'
    assert response.content.startswith(b"%PDF")
    assert "Frivillighetsattest" in pdf_text(response.content)
    entry = AccessLog.objects.latest("pk")
    assert (entry.action, entry.object_id) == ("export", str(venn.public_id))


def test_her_coordinator_issues_it_in_english_or_norwegian(client, venn, coordinator_oslo):
    login(client, coordinator_oslo)
    url = reverse("volunteer_certificate", args=[venn.public_id])
    assert url in client.get(venn.get_absolute_url()).content.decode()
    english = pdf_text(client.get(url, {"sprak": "en"}).content)
    assert "Volunteer certificate" in english and "Åse Brækhus" in english
    assert "Frivillighetsattest" in pdf_text(client.get(url).content)  # her language
    assert AccessLog.objects.filter(action="export", object_id=str(venn.public_id)).count() == 2


def test_after_she_ended_the_coordinator_still_issues_it(client, venn, coordinator_oslo):
    venn.status = Status.ENDED
    venn.save()
    venn.commitments.update(ended_on=timezone.localdate())
    login(client, coordinator_oslo)
    response = client.get(reverse("volunteer_certificate", args=[venn.public_id]))
    assert response.status_code == 200
    assert "i dag" not in pdf_text(response.content)


def test_no_certificate_for_an_erased_volunteer(client, venn, coordinator_oslo):
    venn.status = Status.ENDED
    venn.save()
    volunteer_erase(volunteer=venn)
    login(client, coordinator_oslo)
    response = client.get(reverse("volunteer_certificate", args=[venn.public_id]), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == venn.get_absolute_url()
    assert "slettet" in response.content.decode()
    assert not AccessLog.objects.filter(action="export").exists()


def test_no_certificate_before_her_year_has_started(client, oslo, coordinator_oslo):
    applicant = volunteer(oslo)
    login(client, coordinator_oslo)
    response = client.get(reverse("volunteer_certificate", args=[applicant.public_id]))
    assert response.status_code == 302
    assert (
        reverse("volunteer_certificate", args=[applicant.public_id])
        not in client.get(applicant.get_absolute_url()).content.decode()
    )


def test_only_she_and_her_coordinators_get_it(
    client, venn, coordinator_bergen, volunteer_oslo, shelter_worker_oslo
):
    url = reverse("volunteer_certificate", args=[venn.public_id])
    login(client, coordinator_bergen)
    assert client.get(url).status_code == 404
    for other in (volunteer_oslo, shelter_worker_oslo):
        client.logout()
        login(client, other)
        assert client.get(url).status_code == 403
    # Another volunteer's own download is hers, never Åse's.
    client.logout()
    login(client, volunteer_oslo)
    response = client.get(reverse("my_certificate"))
    assert response.status_code in (302, 404)
    assert not response.content.startswith(b"%PDF")
