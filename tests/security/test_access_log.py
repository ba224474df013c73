"""The access log: views, exports and refusals are logged without data, chained, readable by
the right people, and tampering shows."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.audit import actor_ref, pseudonymise_older_than, verify
from accounts.models import AccessLog
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_viewing_a_referral_its_notes_and_a_volunteer_is_logged_without_data(
    client, oslo, coordinator_oslo, make_referral
):
    from tests.factories import volunteer

    referral = make_referral(oslo, safety_notes="HEMMELIG")
    applicant = volunteer(oslo)
    login(client, coordinator_oslo)
    client.get(referral.get_absolute_url())
    client.get(reverse("referral_safety_notes", args=[referral.public_id]))
    client.get(applicant.get_absolute_url())
    entries = list(AccessLog.objects.order_by("id"))
    assert [(e.action, e.object_type, e.object_id) for e in entries] == [
        ("view", "referral", str(referral.public_id)),
        ("view", "referral_safety_notes", str(referral.public_id)),
        ("view", "volunteer", str(applicant.public_id)),
    ]
    assert all(
        e.actor == coordinator_oslo and e.role == "coordinator" and e.association_id == oslo.pk
        for e in entries
    )
    assert all("HEMMELIG" not in e.content() for e in entries)
    assert verify() == []


def test_a_refused_attempt_is_logged(client, oslo, coordinator_bergen, make_referral):
    referral = make_referral(oslo)
    login(client, coordinator_bergen)
    assert client.get(referral.get_absolute_url()).status_code == 404
    entry = AccessLog.objects.get()
    assert (entry.action, entry.object_type, entry.object_id, entry.actor) == (
        "denied",
        "referral_detail",
        str(referral.public_id),
        coordinator_bergen,
    )


def test_the_chain_shows_a_changed_or_removed_entry(client, oslo, coordinator_oslo, make_referral):
    referral = make_referral(oslo)
    login(client, coordinator_oslo)
    for _n in range(3):
        client.get(referral.get_absolute_url())
    call_command("verify_audit_log", stdout=StringIO())
    middle = AccessLog.objects.order_by("id")[1]
    AccessLog.objects.filter(pk=middle.pk).update(object_type="volunteer")
    assert any("changed" in p for p in verify())
    with pytest.raises(CommandError):
        call_command("verify_audit_log", stdout=StringIO(), stderr=StringIO())
    AccessLog.objects.filter(pk=middle.pk).delete()
    assert any("does not follow" in p for p in verify())


def test_removing_the_newest_entry_shows(client, oslo, coordinator_oslo, make_referral):
    referral = make_referral(oslo)
    login(client, coordinator_oslo)
    client.get(referral.get_absolute_url())
    client.get(referral.get_absolute_url())
    AccessLog.objects.order_by("-id").first().delete()
    assert any("removed" in p for p in verify())


def test_pseudonymisation_keeps_the_chain_and_a_reference(
    client, oslo, coordinator_oslo, make_referral
):
    referral = make_referral(oslo)
    login(client, coordinator_oslo)
    client.get(referral.get_absolute_url())
    assert pseudonymise_older_than(timezone.now()) == 1
    entry = AccessLog.objects.get()
    assert entry.actor is None and entry.actor_ref == actor_ref(coordinator_oslo)
    assert verify() == []


def test_the_log_page_shows_a_coordinator_her_associations_entries_only(
    client, oslo, bergen, coordinator_oslo, coordinator_bergen, national_admin, make_referral
):
    referral = make_referral(oslo)
    login(client, coordinator_oslo)
    client.get(referral.get_absolute_url())
    client.logout()
    login(client, coordinator_bergen)
    html = client.get(reverse("audit_log")).content.decode()
    assert str(referral.public_id)[:8] not in html
    client.logout()
    login(client, national_admin)
    assert str(referral.public_id)[:8] in client.get(reverse("audit_log")).content.decode()


def test_the_change_history_shows_a_coordinator_her_associations_records_only(
    client, oslo, bergen, coordinator_oslo, coordinator_bergen, make_referral
):
    from auditlog.models import LogEntry

    ours, theirs = make_referral(oslo, alias="Ours"), make_referral(bergen, alias="Theirs")
    for referral in (ours, theirs):
        referral.wishes = "changed"
        referral.save()
    login(client, coordinator_oslo)
    shown = list(client.get(reverse("audit_log")).context["changes"])
    assert {entry.object_pk for entry in shown} == {str(ours.pk)}
    assert LogEntry.objects.filter(object_pk=str(theirs.pk)).exists()


def test_the_admin_cannot_edit_or_delete_the_log(client, national_admin):
    login(client, national_admin)
    from django.contrib import admin

    from accounts.models import AccessLog as Model

    assert Model not in admin.site._registry


# --- The page in words: no codes ---------------------------------------------------------------


@pytest.fixture
def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _cells(html: str, label: str) -> list[str]:
    import re

    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(rf'<td data-label="{label}">(.*?)</td>', html, re.S)
    ]


def test_the_log_page_shows_roles_records_and_changed_fields_in_words(
    in_english, oslo, coordinator_oslo, make_referral
):
    from tests.factories import volunteer

    referral = make_referral(oslo)
    applicant = volunteer(oslo)
    referral.safety_notes = "HEMMELIG"
    referral.withdrawn_reason = "HEMMELIG"
    referral.save()
    login(in_english, coordinator_oslo)
    in_english.get(referral.get_absolute_url())
    in_english.get(reverse("referral_safety_notes", args=[referral.public_id]))
    in_english.get(applicant.get_absolute_url())
    html = in_english.get(reverse("audit_log")).content.decode()
    assert "<h1>Access log</h1>" in html
    assert set(_cells(html, "Role")) == {"Coordinator"}
    records = _cells(html, "Record")
    assert f"volunteer {str(applicant.public_id)[:8]}" in records
    assert f"referral, safety notes {str(referral.public_id)[:8]}" in records
    assert f"referral {str(referral.public_id)[:8]}" in records
    # The change history: the fields by their names, a new record as created; no codes, no data.
    changed = _cells(html, "What changed")
    assert "safety notes, reason for withdrawal" in changed
    assert "Created" in changed
    assert not [cell for cell in changed if "_" in cell]
    assert "HEMMELIG" not in html


def test_a_refused_page_is_shown_as_the_record_it_concerns(
    in_english, oslo, coordinator_bergen, national_admin, make_referral
):
    referral = make_referral(oslo)
    login(in_english, coordinator_bergen)
    in_english.get(referral.get_absolute_url())
    in_english.get("/frivillige/finnes-ikke/")
    in_english.logout()
    in_english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login(in_english, national_admin)
    html = in_english.get(reverse("audit_log")).content.decode()
    assert _cells(html, "Record")[:2] == ["page", f"referral {str(referral.public_id)[:8]}"]
    assert "referral_detail" not in html and "unknown page" not in html


def test_every_tracked_field_has_a_name_in_words_or_is_left_out_on_purpose():
    """A field added to a tracked model without a translated verbose name would show up in the
    change history as a code: give it one, or add it to FIELDS_NOT_LISTED."""
    from django.apps import apps

    from ressursvenner.audit_views import FIELDS_NOT_LISTED, field_label

    tracked = [spec["model"] for spec in settings.AUDITLOG_INCLUDE_TRACKING_MODELS]
    missing = [
        f"{label}.{field.name}"
        for label in [*tracked, "matching.matchingweights"]
        for field in apps.get_model(label)._meta.get_fields()
        if field.concrete or field.many_to_many
        if field.name not in FIELDS_NOT_LISTED
        and not field.auto_created
        and field_label(apps.get_model(label), field.name) is None
    ]
    assert missing == []


def test_the_log_page_makes_a_fixed_number_of_queries(
    client, oslo, coordinator_oslo, make_referral, django_assert_num_queries
):
    login(client, coordinator_oslo)

    def busy():
        referral = make_referral(oslo)
        referral.wishes = "changed"
        referral.save()
        client.get(referral.get_absolute_url())

    busy()
    client.get(reverse("audit_log"))  # content types cached, as on any page after the first
    with django_assert_num_queries(QUERIES := 10):
        client.get(reverse("audit_log"))
    for _n in range(10):
        busy()
    with django_assert_num_queries(QUERIES):
        html = client.get(reverse("audit_log")).content.decode()
    # Two headers; eleven views; eleven referrals created and changed.
    assert html.count("<tr>") == 2 + 11 + 22
