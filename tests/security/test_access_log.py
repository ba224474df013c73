"""The access log: views, exports and refusals are logged without data, chained, readable by
the right people, and tampering shows."""

from io import StringIO

import pytest
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
