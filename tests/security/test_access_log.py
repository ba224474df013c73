"""The access log: views, exports and refusals are logged without data, chained, readable by
the right people, and tampering shows."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.audit import actor_ref, chain_pending, pseudonymise_older_than, verify
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
    chain_pending()
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
    shown = list(client.get(reverse("audit_log") + "?vis=endringer").context["page"])
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
    assert "HEMMELIG" not in html
    # The change history: the fields by their names, a new record as created; no codes, no data.
    html = in_english.get(reverse("audit_log") + "?vis=endringer").content.decode()
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
    changes = reverse("audit_log") + "?vis=endringer"
    client.get(changes)  # content types cached, as on any page after the first
    # Each tab: a page of its list (the rows and their count); the access log's also the people
    # in it, to narrow it to one of them.
    access, changed = 6, 5
    with django_assert_num_queries(access):
        client.get(reverse("audit_log"))
    with django_assert_num_queries(changed):
        client.get(changes)
    for _n in range(10):
        busy()
    with django_assert_num_queries(access):
        html = client.get(reverse("audit_log")).content.decode()
    assert html.count("<tr>") == 1 + 11  # the header; eleven views
    with django_assert_num_queries(changed):
        html = client.get(changes).content.decode()
    assert html.count("<tr>") == 1 + 22  # the header; eleven referrals created and changed


# --- The keyed chain: whoever can write the database cannot rebuild it --------------------------

NEW_KEY = "a-new-audit-log-key-of-forty-random-characters-xyz"
WRONG_KEY = "an-attackers-key-that-is-not-in-audit-log-keys-0123"


def _entries(count: int, user) -> list[AccessLog]:
    """`count` entries written as page views write them, then chained (as the task does)."""
    from accounts.audit import access_log_record

    written = [
        access_log_record(
            user=user,
            role="coordinator",
            action="view",
            object_type="referral",
            object_id=f"00000000-0000-0000-0000-{n:012d}",
            association_id=None,
        )
        for n in range(count)
    ]
    chain_pending()
    return [AccessLog.objects.get(pk=entry.pk) for entry in written]


def _rechain(from_pk: int, sign) -> None:
    """What someone who can write the database, but has not the key, does after changing or
    removing an entry: recompute the hash of every entry from `from_pk` on and move the head."""
    from accounts.audit import GENESIS
    from accounts.models import AccessLogHead

    position = AccessLog.objects.get(pk=from_pk).chain_position
    chained = AccessLog.objects.filter(chain_position__isnull=False)
    before = chained.filter(chain_position__lt=position).order_by("-chain_position").first()
    previous = before.hash if before else GENESIS
    for entry in chained.filter(chain_position__gte=position).order_by("chain_position"):
        entry.previous_hash = previous
        sign(entry)
        entry.save(update_fields=["previous_hash", "hash", "key_id"])
        previous = entry.hash
    AccessLogHead.objects.filter(pk=1).update(hash=previous)


def _plain(entry):
    entry.hash = entry.compute_hash()


def _plain_as_if_written_before_the_key(entry):
    entry.key_id = ""
    entry.hash = entry.compute_hash()


def _wrong_key_under_the_right_id(entry):
    entry.hash = entry.compute_hash(WRONG_KEY.encode())


def _wrong_key_under_its_own_id(entry):
    from accounts.audit import audit_key_id

    entry.key_id = audit_key_id(WRONG_KEY)
    entry.hash = entry.compute_hash(WRONG_KEY.encode())


ATTACKS = [
    _plain,
    _plain_as_if_written_before_the_key,
    _wrong_key_under_the_right_id,
    _wrong_key_under_its_own_id,
]


def _first_broken(problems: list[str]) -> str:
    assert problems, "the tampering went unnoticed"
    return problems[0]


def test_an_untouched_log_verifies_and_the_command_says_so(coordinator_oslo):
    entries = _entries(3, coordinator_oslo)
    assert verify() == []
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    assert "The access log is whole: 3 entries" in out.getvalue()
    assert f"Newest hash: {entries[-1].hash}" in out.getvalue()


def test_entries_are_signed_with_the_first_key_not_a_plain_hash(coordinator_oslo, settings):
    from accounts.audit import audit_key_id

    entry = _entries(1, coordinator_oslo)[0]
    assert entry.key_id == audit_key_id(settings.AUDIT_LOG_KEYS[0])
    assert entry.hash == entry.compute_hash(settings.AUDIT_LOG_KEYS[0].encode())
    assert entry.hash != entry.compute_hash()


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.__name__.strip("_"))
def test_a_changed_entry_with_the_chain_recomputed_without_the_key_is_found(
    coordinator_oslo, attack
):
    first, middle, _last = _entries(3, coordinator_oslo)
    AccessLog.objects.filter(pk=middle.pk).update(object_type="volunteer", role="national_admin")
    _rechain(middle.pk, attack)
    # Every link holds: only the key shows the change.
    entries = list(AccessLog.objects.order_by("id"))
    assert [e.previous_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    problems = verify()
    assert _first_broken(problems).startswith(f"entry {middle.pk} ")
    assert not any(p.startswith(f"entry {first.pk} ") for p in problems)
    err = StringIO()
    with pytest.raises(CommandError, match=rf"the first broken: entry {middle.pk} \(written"):
        call_command("verify_audit_log", stdout=StringIO(), stderr=err)
    assert err.getvalue().startswith(
        f"The access log has been tampered with. First: entry {middle.pk} "
    )


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.__name__.strip("_"))
def test_a_removed_entry_with_the_chain_recomputed_without_the_key_is_found(
    coordinator_oslo, attack
):
    _first, middle, last = _entries(3, coordinator_oslo)
    AccessLog.objects.filter(pk=middle.pk).delete()
    _rechain(last.pk, attack)
    assert _first_broken(verify()).startswith(f"entry {last.pk} ")
    with pytest.raises(CommandError):
        call_command("verify_audit_log", stdout=StringIO(), stderr=StringIO())


def test_cutting_off_the_newest_entry_and_moving_the_head_back_is_found(coordinator_oslo):
    from accounts.models import AccessLogHead

    first, newest = _entries(2, coordinator_oslo)
    newest.delete()
    AccessLogHead.objects.filter(pk=1).update(hash=first.hash)
    assert verify() == [
        "the chain head was changed without the audit key (its signature does not match)"
    ]


def test_after_rotating_the_key_old_and_new_entries_verify(coordinator_oslo, settings):
    from accounts.audit import audit_key_id

    old_key = settings.AUDIT_LOG_KEYS[0]
    old_entries = _entries(2, coordinator_oslo)
    settings.AUDIT_LOG_KEYS = [NEW_KEY, old_key]
    new_entries = _entries(2, coordinator_oslo)
    assert {e.key_id for e in old_entries} == {audit_key_id(old_key)}
    assert {e.key_id for e in new_entries} == {audit_key_id(NEW_KEY)}
    assert verify() == []
    call_command("verify_audit_log", stdout=StringIO())

    # Dropping the old key leaves its entries unverifiable: said so, naming the entry.
    settings.AUDIT_LOG_KEYS = [NEW_KEY]
    problems = verify()
    assert problems[0].startswith(f"entry {old_entries[0].pk} ")
    assert "not in AUDIT_LOG_KEYS" in problems[0]


def test_after_rotation_the_old_key_alone_cannot_rewrite_the_old_entries(
    coordinator_oslo, settings
):
    """The first entry signed with the new key covers the hash of the last old one: whoever
    holds (or stole) only the old key cannot change the entries it signed unnoticed."""
    old_key = settings.AUDIT_LOG_KEYS[0]
    first, second = _entries(2, coordinator_oslo)
    settings.AUDIT_LOG_KEYS = [NEW_KEY, old_key]
    (newer,) = _entries(1, coordinator_oslo)
    AccessLog.objects.filter(pk=first.pk).update(object_id="forged")
    AccessLog.objects.filter(pk=first.pk).update(
        hash=AccessLog.objects.get(pk=first.pk).compute_hash(old_key.encode())
    )
    second.previous_hash = AccessLog.objects.get(pk=first.pk).hash
    second.hash = second.compute_hash(old_key.encode())
    AccessLog.objects.filter(pk=second.pk).update(
        previous_hash=second.previous_hash, hash=second.hash
    )
    problems = verify()
    assert _first_broken(problems).startswith(f"entry {newer.pk} ")
    assert "does not follow" in problems[0]


def _as_before_the_key(count: int) -> list[AccessLog]:
    """Entries as the code before the keyed chain wrote them: plain SHA-256, no key id; the head
    moves on unsigned. With their places in the chain, as migration 0011 numbered them."""
    from accounts.audit import GENESIS
    from accounts.models import AccessLogHead

    head, _ = AccessLogHead.objects.get_or_create(pk=1, defaults={"hash": GENESIS})
    entries = []
    for n in range(count):
        entry = AccessLog(
            at=timezone.now(),
            actor_ref="anonymous",
            role="coordinator",
            action="view",
            object_type="referral",
            object_id=str(n),
            previous_hash=head.hash,
            chain_position=AccessLog.objects.filter(chain_position__isnull=False).count() + 1,
        )
        entry.hash = entry.compute_hash()
        entry.save()
        head.hash = entry.hash
        head.save(update_fields=["hash"])
        entries.append(entry)
    return entries


def _run_the_keying_migration() -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0009_access_log_hmac_chain")
    migration.seal_legacy_segment(apps, None)


def test_entries_written_before_the_key_verify_as_a_sealed_legacy_segment(coordinator_oslo):
    legacy = _as_before_the_key(3)
    _run_the_keying_migration()
    assert verify() == []
    signed = _entries(2, coordinator_oslo)
    assert verify() == []
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    assert "2 signed with the audit key, 3 written before the chain was keyed" in out.getvalue()
    # Changing one of them and recomputing their plain hashes breaks the link to the first
    # signed entry, which only the key could make again.
    AccessLog.objects.filter(pk=legacy[1].pk).update(object_id="forged")
    _rechain(legacy[1].pk, _plain_as_if_written_before_the_key)  # also re-hashes the signed ones
    problems = verify()
    assert any(p.startswith(f"entry {signed[0].pk} ") for p in problems)
    with pytest.raises(CommandError):
        call_command("verify_audit_log", stdout=StringIO(), stderr=StringIO())


def test_a_legacy_segment_without_signed_entries_after_it_is_held_by_the_signed_head():
    legacy = _as_before_the_key(2)
    _run_the_keying_migration()
    AccessLog.objects.filter(pk=legacy[0].pk).update(action="export")
    _rechain(legacy[0].pk, _plain_as_if_written_before_the_key)
    assert verify() == [
        "the chain head was changed without the audit key (its signature does not match)"
    ]


def test_the_keying_migration_leaves_no_room_for_unsigned_entries_after_it(coordinator_oslo):
    _as_before_the_key(1)
    _run_the_keying_migration()
    (late,) = _as_before_the_key(1)  # an old process still writing after the migration
    problems = verify()
    assert problems[0].startswith(f"entry {late.pk} ") and "has no signature" in problems[0]


def test_manage_py_exits_non_zero_naming_the_first_broken_entry(
    coordinator_oslo, capsys, monkeypatch
):
    """Through manage.py's own entry point (in this process, so it sees the test's data; the
    connection it would close at the end is the test's own)."""
    from django.core.management import execute_from_command_line
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)

    _first, middle, _last = _entries(3, coordinator_oslo)
    execute_from_command_line(["manage.py", "verify_audit_log"])
    assert "The access log is whole: 3 entries" in capsys.readouterr().out
    AccessLog.objects.filter(pk=middle.pk).update(object_type="volunteer")
    _rechain(middle.pk, _plain)
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "verify_audit_log"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert f"First: entry {middle.pk} (written" in err
    assert "its content was changed after it was written" in err
