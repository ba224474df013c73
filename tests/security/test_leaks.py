"""Nothing sensitive leaks sideways: not in any notification, email, calendar entry, page
title or task argument."""

import inspect
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from notifications import kinds, services
from tests.conftest import login
from tests.helpers import live_a_match

pytestmark = pytest.mark.django_db

ALIAS = "Sentinelia"


def _forbidden_in(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in settings.SENSITIVE_WORDS if word.lower() in lowered]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_notification_kind_is_neutral_in_app_and_by_email(
    coordinator_oslo, language, django_capture_on_commit_callbacks
):
    coordinator_oslo.language = language
    coordinator_oslo.save()
    link = "/henvisninger/7c9e6679-7425-40de-944b-e07fc1f90ae7/"
    association_id = coordinator_oslo.memberships.get().association_id
    with django_capture_on_commit_callbacks(execute=True):
        for kind in kinds.registered():
            services.notify(
                recipients=[coordinator_oslo],
                kind=kind,
                link=link,
                role=Role.COORDINATOR,
                association_id=association_id,
            )
    assert len(mail.outbox) == len(kinds.registered())
    with translation.override(language):
        for kind in kinds.registered():
            assert _forbidden_in(kind.text) == [], kind
    for message in mail.outbox:
        text = message.subject + message.body + message.alternatives[0][0]
        assert _forbidden_in(text) == [], text
        assert ALIAS not in text
        for url in re.findall(r"https?://\S+", message.body):
            assert re.fullmatch(r"https?://[^/]+(/[a-z0-9\-/]*)?", url.rstrip("/") + "/"), url


def test_the_whole_road_leaves_nothing_in_notifications_emails_or_tasks(
    client,
    oslo,
    coordinator_oslo,
    shelter_worker_oslo,
    volunteer_oslo,
    make_volunteer,
    django_capture_on_commit_callbacks,
):
    """A referral with sentinels everywhere goes through the whole lifecycle; then every
    notification, email and outbox row is checked."""
    from matching.models import Referral
    from notifications.models import Notification, OutboxMessage
    from tests.matching.test_referrals import referral_post

    nora = make_volunteer(oslo, user=volunteer_oslo, email=volunteer_oslo.email)
    login(client, shelter_worker_oslo)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("referral_create"),
            referral_post(alias=ALIAS, safety_notes="SENTINEL-SAFETY", wishes="SENTINEL-WISH"),
        )
        referral = Referral.objects.get()
        live_a_match(
            referral=referral,
            volunteer=nora,
            coordinator=coordinator_oslo,
            note="SENTINEL-NOTE",
            concern="SENTINEL-CONCERN",
        )
    texts = [str(n.text) + n.link for n in Notification.objects.all()]
    texts += [m.subject + m.body + m.alternatives[0][0] for m in mail.outbox]
    texts += [str(m.context) for m in OutboxMessage.objects.all()]
    assert len(texts) > 8
    for text in texts:
        assert ALIAS not in text and "SENTINEL" not in text, text
        assert _forbidden_in(text) == [], text


@pytest.mark.parametrize("language", ["nb", "en"])
def test_her_certificate_is_neutral(
    client, oslo, coordinator_oslo, volunteer_oslo, make_referral, make_volunteer, language
):
    """Her volunteer certificate (a PDF for an employer) names her, her association, the
    programme in general words, her courses and hours: never the woman, her notes, nor a word
    that outs the women she helped, not even through a course's title (the basic course names
    violence: the certificate names the kind of course)."""
    from tests.volunteers.certificate_text import pdf_text

    nora = make_volunteer(oslo, user=volunteer_oslo, email=volunteer_oslo.email)
    live_a_match(
        referral=make_referral(oslo, alias=ALIAS, safety_notes="SENTINEL-SAFETY"),
        volunteer=nora,
        coordinator=coordinator_oslo,
        note="SENTINEL-NOTE",
        concern="SENTINEL-CONCERN",
    )
    texts = []
    login(client, volunteer_oslo)
    texts.append(pdf_text(client.get(reverse("my_certificate"), {"sprak": language}).content))
    client.logout()
    login(client, coordinator_oslo)
    url = reverse("volunteer_certificate", args=[nora.public_id])
    texts.append(pdf_text(client.get(url, {"sprak": language}).content))
    for text in texts:
        # Her name, and the meeting's half hour.
        assert nora.full_name in text and ("0,5" if language == "nb" else "0.5") in text
        assert ALIAS not in text and "SENTINEL" not in text, text
        assert _forbidden_in(text) == [], text


def test_tasks_take_ids_only():
    from accounts import tasks as account_tasks
    from notifications import tasks as notification_tasks

    for module in (notification_tasks, account_tasks):
        for name, task in inspect.getmembers(module, lambda t: hasattr(t, "delay")):
            params = inspect.signature(task.run).parameters
            for param in params.values():
                assert param.name.endswith(("_id", "_ids")), (
                    f"{name}({param.name}) must take ids only"
                )


def test_page_titles_never_carry_her_alias(
    client, oslo, coordinator_oslo, make_referral, make_volunteer, make_match
):
    referral = make_referral(oslo, alias=ALIAS)
    match = make_match(make_volunteer(oslo), referral=referral)
    login(client, coordinator_oslo)
    for url in (
        referral.get_absolute_url(),
        reverse("referral_suggestions", args=[referral.public_id]),
        reverse("referral_safety_notes", args=[referral.public_id]),
        match.get_absolute_url(),
    ):
        html = client.get(url).content.decode()
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert ALIAS not in title, (url, title)
        assert ALIAS not in url


def test_calendar_entries_are_neutral(client, oslo, volunteer_oslo, make_volunteer):
    from datetime import datetime, time, timedelta

    from courses.models import Course, Session
    from courses.services import calendar_feed_get_or_create, enrol

    nora = make_volunteer(oslo, user=volunteer_oslo, status="approved")
    day = timezone.localdate() + timedelta(days=5)
    session = Session.objects.create(
        course=Course.objects.get(title__startswith="Fordypningskurs"),
        association=oslo,
        starts_at=timezone.make_aware(datetime.combine(day, time(10))),
        ends_at=timezone.make_aware(datetime.combine(day, time(12))),
        place="Lokalet",
        capacity=4,
    )
    enrol(session=session, volunteers=[nora], self_service=True)
    feed = calendar_feed_get_or_create(volunteer=nora)
    ics = client.get(reverse("calendar_feed", args=[feed.token])).content.decode()
    assert "BEGIN:VEVENT" in ics
    assert _forbidden_in(ics) == [] and "æresrelatert" not in ics.lower()
