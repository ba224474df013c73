"""The access log is chained by a task, not by each page view: a view writes its entry sealed
and unchained, touching no shared row; the task chains the waiting entries in order; whatever
is changed, removed, inserted or moved in the chain shows, and an entry still waiting is checked
by its seal, counted and, when it waits too long, reported.

(The concurrency itself, two transactions at once: tests/security/test_access_log_race.py.)
"""

from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.audit import (
    GENESIS,
    access_log_record,
    audit_key_id,
    chain_pending,
    head_sign,
    verify,
    waiting,
)
from accounts.models import AccessLog, AccessLogHead
from tests.conftest import login

pytestmark = pytest.mark.django_db

WRONG_KEY = b"an-attackers-key-that-is-not-in-audit-log-keys-0123"


def _write(count: int, user=None) -> list[AccessLog]:
    return [
        access_log_record(
            user=user,
            role="coordinator",
            action="view",
            object_type="referral",
            object_id=f"00000000-0000-0000-0000-{n:012d}",
        )
        for n in range(count)
    ]


def _chained() -> list[AccessLog]:
    return list(AccessLog.objects.filter(chain_position__isnull=False).order_by("chain_position"))


def _head() -> AccessLogHead:
    return AccessLogHead.objects.get(pk=1)


def _first_problem_is_about(entry: AccessLog, *words: str) -> str:
    problems = verify()
    assert problems, "the tampering went unnoticed"
    assert problems[0].startswith(f"entry {entry.pk} "), problems
    for word in words:
        assert word in problems[0], problems
    return problems[0]


# --- A page view: its entry, sealed, and nothing shared ----------------------------------------


def test_a_page_view_writes_its_entry_sealed_and_unchained_and_leaves_the_head_alone(
    client, oslo, coordinator_oslo, make_referral
):
    referral = make_referral(oslo)
    chain_pending()  # the head exists, as after the first run
    head_before = _head()
    login(client, coordinator_oslo)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(referral.get_absolute_url()).status_code == 200
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert AccessLogHead._meta.db_table not in sql
    assert "FOR UPDATE" not in sql.upper()
    entry = AccessLog.objects.get()
    # Who, what, when: as ever.
    assert (entry.actor, entry.role, entry.action, entry.object_type, entry.object_id) == (
        coordinator_oslo,
        "coordinator",
        "view",
        "referral",
        str(referral.public_id),
    )
    assert entry.association_id == oslo.pk
    # Not chained yet, but sealed with the audit key (over its id and content).
    assert entry.chain_position is None and entry.hash is None and entry.previous_hash == ""
    assert entry.key_id == audit_key_id(settings.AUDIT_LOG_KEYS[0])
    assert entry.seal == entry.compute_seal(settings.AUDIT_LOG_KEYS[0].encode())
    head = _head()
    assert (head.hash, head.signature) == (head_before.hash, head_before.signature)
    assert verify() == []


def test_an_entry_is_written_once_with_its_seal_in_two_queries():
    """The id is taken from the sequence first and the entry inserted with its seal: no second
    write of the row, no moment when it stands unsealed, no transaction of its own."""
    if connection.vendor != "postgresql":
        pytest.skip("the id is taken from PostgreSQL's sequence")
    with CaptureQueriesContext(connection) as queries:
        (entry,) = _write(1)
    sql = [query["sql"] for query in queries.captured_queries]
    assert len(sql) == 2, sql
    assert "nextval" in sql[0]
    assert sql[1].startswith("INSERT") and entry.seal in sql[1]
    stored = AccessLog.objects.get()
    assert stored.pk == entry.pk
    assert stored.seal == stored.compute_seal(settings.AUDIT_LOG_KEYS[0].encode())
    assert verify() == []


def test_an_id_taken_but_never_written_is_a_gap_and_not_a_removal():
    """An insert that failed after its id was taken leaves a gap in the ids, as a rolled-back
    transaction does: the chain's order is its positions, so nothing is reported missing."""
    first = _write(1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [AccessLog._meta.db_table]
            )
    second = _write(1)
    assert chain_pending().chained == 2
    assert [e.pk for e in _chained()] == [first[0].pk, second[0].pk]
    assert verify() == []


# --- The task: chains the waiting entries in order ---------------------------------------------


def test_the_task_chains_the_waiting_entries_in_id_order_and_moves_the_signed_head():
    from accounts.tasks import chain_access_log

    written = _write(3)
    assert waiting().count == 3
    chain_access_log.delay()
    entries = _chained()
    assert [e.pk for e in entries] == [e.pk for e in written]
    assert [e.chain_position for e in entries] == [1, 2, 3]
    assert [e.previous_hash for e in entries] == [GENESIS, entries[0].hash, entries[1].hash]
    key = settings.AUDIT_LOG_KEYS[0].encode()
    assert all(e.hash == e.compute_hash(key) and e.seal == "" for e in entries)
    assert _head().hash == entries[-1].hash
    assert waiting().count == 0
    assert verify() == []
    # Nothing left: a second run (two beats, a run of verify_audit_log) changes nothing.
    assert chain_pending().chained == 0
    assert _chained() == entries
    # The next entries follow on.
    (later,) = _write(1)
    assert chain_pending().chained == 1
    later.refresh_from_db()
    assert (later.chain_position, later.previous_hash) == (4, entries[-1].hash)
    assert verify() == []


def test_the_task_chains_in_batches(settings):
    _write(5)
    assert chain_pending(batch=2).chained == 5
    assert [e.chain_position for e in _chained()] == [1, 2, 3, 4, 5]
    assert verify() == []


def test_the_beat_schedule_runs_the_chaining_task_every_half_minute():
    from accounts import tasks
    from ressursvenner.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["access-log-chain"]
    assert entry["task"] == "accounts.chain_access_log" == tasks.chain_access_log.name
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 60


def test_after_rotating_the_key_waiting_entries_sealed_with_the_old_key_are_chained(settings):
    old_key = settings.AUDIT_LOG_KEYS[0]
    (sealed_with_old,) = _write(1)
    settings.AUDIT_LOG_KEYS = ["a-new-audit-log-key-of-forty-random-characters-xyz", old_key]
    assert chain_pending().chained == 1
    sealed_with_old.refresh_from_db()
    assert sealed_with_old.key_id == audit_key_id(settings.AUDIT_LOG_KEYS[0])
    assert verify() == []


# --- The chain: removal, change, insertion and reordering show ----------------------------------


@pytest.fixture
def five():
    _write(5)
    chain_pending()
    assert verify() == []
    return _chained()


def test_a_removed_entry_shows_at_the_entry_after_it(five):
    AccessLog.objects.filter(pk=five[2].pk).delete()
    _first_problem_is_about(five[3], "does not follow")


def test_a_removed_newest_entry_shows_at_the_head(five):
    AccessLog.objects.filter(pk=five[-1].pk).delete()
    assert verify() == [
        "the newest entries were removed (the chain head points past the last entry)"
    ]


def test_a_changed_entry_shows(five):
    AccessLog.objects.filter(pk=five[1].pk).update(object_id="forged")
    _first_problem_is_about(five[1], "content was changed")


def test_an_inserted_forged_entry_shows(five):
    """Someone who can write the database makes room after the second entry and puts in an
    entry of his own, linked to the one before it and hashed as well as he can without the key
    (with a key of his own)."""
    chained = AccessLog.objects.filter(chain_position__gt=2)
    for entry in chained.order_by("-chain_position"):  # from the end: positions stay unique
        AccessLog.objects.filter(pk=entry.pk).update(chain_position=entry.chain_position + 1)
    forged = AccessLog(
        at=five[1].at,
        actor_ref=five[1].actor_ref,
        role="coordinator",
        action="view",
        object_type="referral",
        object_id="someone-elses",
        previous_hash=five[1].hash,
        key_id=five[1].key_id,
        chain_position=3,
    )
    forged.hash = forged.compute_hash(WRONG_KEY)
    forged.save()
    problems = verify()
    assert (
        problems[0].startswith(f"entry {forged.pk} ")
        and "not made with the audit key" in (problems[0])
    )
    assert any(p.startswith(f"entry {five[2].pk} ") and "does not follow" in p for p in problems)


def test_a_reordered_chain_shows(five):
    """The third and fourth entries swap places (their contents and hashes untouched)."""
    third, fourth = five[2], five[3]
    AccessLog.objects.filter(pk=third.pk).update(chain_position=None)
    AccessLog.objects.filter(pk=fourth.pk).update(chain_position=3)
    AccessLog.objects.filter(pk=third.pk).update(chain_position=4)
    _first_problem_is_about(fourth, "does not follow")


def test_an_entry_taken_out_of_the_chain_to_look_as_if_it_waits_shows(five):
    """Its seal was emptied when it was chained, and only the key makes one."""
    AccessLog.objects.filter(pk=five[4].pk).update(chain_position=None, hash=None)
    problems = verify()
    assert any(
        p.startswith(f"entry {five[4].pk} ") and "seal does not verify" in p for p in problems
    )
    assert "the newest entries were removed" in problems[-1]


# --- Entries waiting to be chained: checked by their seal, counted, never simply trusted -------


def test_a_waiting_entry_is_counted_and_verified_by_its_seal():
    (entry,) = _write(1)
    assert verify() == []
    found = waiting()
    assert found.count == 1 and found.oldest == entry.at
    out = StringIO()
    call_command("verify_audit_log", "--no-chain", stdout=out)
    assert "1 entries, 0 chained" in out.getvalue()
    assert "1 waiting to be chained" in out.getvalue()
    assert waiting().count == 1  # --no-chain only reads
    out = StringIO()
    call_command("verify_audit_log", stdout=out)  # chains first
    assert "The access log is whole: 1 entries, every one chained" in out.getvalue()
    assert waiting().count == 0


def test_a_changed_waiting_entry_is_reported_and_not_chained():
    first, changed, third = _write(3)
    AccessLog.objects.filter(pk=changed.pk).update(object_type="volunteer")
    _first_problem_is_about(changed, "waits to be chained", "seal does not verify")
    run = chain_pending()
    assert (run.chained, run.refused) == (2, (changed.pk,))
    assert [e.pk for e in _chained()] == [first.pk, third.pk]
    changed.refresh_from_db()
    assert changed.chain_position is None
    _first_problem_is_about(changed, "seal does not verify")  # still, at every check
    with pytest.raises(CommandError, match=rf"the first broken: entry {changed.pk} "):
        call_command("verify_audit_log", stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize("seal", ["", "wrong key"])
def test_a_forged_waiting_entry_is_reported_and_not_chained(seal):
    _write(1)
    forged = AccessLog(
        at=timezone.now(),
        actor_ref="anonymous",
        role="coordinator",
        action="view",
        object_type="referral",
        object_id="never-seen",
        key_id=audit_key_id(settings.AUDIT_LOG_KEYS[0]),
    )
    forged.save()
    if seal:
        forged.seal = forged.compute_seal(WRONG_KEY)
        forged.save(update_fields=["seal"])
    _first_problem_is_about(forged, "seal does not verify")
    assert chain_pending().refused == (forged.pk,)
    assert len(_chained()) == 1


def test_a_copy_of_a_sealed_waiting_entry_does_not_verify():
    """The seal covers the id: an entry copied with its seal is not the entry it copies."""
    (entry,) = _write(1)
    entry.pk = None
    entry.save()
    _first_problem_is_about(entry, "seal does not verify")


def test_entries_waiting_longer_than_ten_minutes_are_late(coordinator_oslo):
    (entry,) = _write(1)
    assert not waiting().late()
    AccessLog.objects.filter(pk=entry.pk).update(at=timezone.now() - timedelta(minutes=11))
    # The seal covers the time: a changed time is a changed entry. Made again, as if written then.
    entry.refresh_from_db()
    entry.seal = entry.compute_seal(settings.AUDIT_LOG_KEYS[0].encode())
    entry.save(update_fields=["seal"])
    assert waiting().late()
    err = StringIO()
    call_command("verify_audit_log", "--no-chain", stdout=StringIO(), stderr=err)
    assert "waited more than 10 minutes to be chained" in err.getvalue()


# --- The task never signs over a head it cannot trust ------------------------------------------


def test_the_task_does_not_hide_newest_entries_cut_off_with_the_head_moved_back(five):
    """Whoever cut off the newest entries and moved the head back (without the key) would have
    the next run sign a head over the cut; it refuses, and the entries written meanwhile wait."""
    AccessLog.objects.filter(pk__in=[five[3].pk, five[4].pk]).delete()
    AccessLogHead.objects.filter(pk=1).update(hash=five[2].hash)
    (meanwhile,) = _write(1)
    run = chain_pending()
    assert run.chained == 0 and "changed without the audit key" in run.stopped
    meanwhile.refresh_from_db()
    assert meanwhile.chain_position is None
    assert verify() == [
        "the chain head was changed without the audit key (its signature does not match)"
    ]


def test_the_task_does_not_chain_past_newest_entries_cut_off(five):
    AccessLog.objects.filter(pk=five[4].pk).delete()
    _write(1)
    run = chain_pending()
    assert run.chained == 0 and "does not point at the newest chained entry" in run.stopped
    assert any("newest entries were removed" in p for p in verify())


def test_the_task_does_not_start_a_new_head_over_a_chain_whose_head_was_deleted(five):
    AccessLogHead.objects.all().delete()
    _write(1)
    assert "head is missing" in chain_pending().stopped
    assert not AccessLogHead.objects.exists()
    assert verify() == ["the chain head is missing (it was deleted)"]


# --- The upgrade: the chain written until now, and the previous release writing meanwhile -------


def _written_by_the_previous_release(object_id: str = "old") -> AccessLog:
    """As the previous release's access_log_record wrote: chained and signed at once, under
    the head's lock, with no position and no seal."""
    key = settings.AUDIT_LOG_KEYS[0]
    with transaction.atomic():
        head, _ = AccessLogHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"hash": GENESIS}
        )
        entry = AccessLog(
            at=timezone.now(),
            actor_ref="anonymous",
            role="coordinator",
            action="view",
            object_type="referral",
            object_id=object_id,
            previous_hash=head.hash,
            key_id=audit_key_id(key),
        )
        entry.hash = entry.compute_hash(key.encode())
        entry.save()
        head.hash = entry.hash
        head_sign(head)
        head.save()
    return entry


def test_the_migration_numbers_the_chain_written_until_now_and_it_verifies_as_before():
    from importlib import import_module

    from django.apps import apps

    old = [_written_by_the_previous_release(str(n)) for n in range(4)]
    head_before = _head()
    migration = import_module("accounts.migrations.0012_access_log_chained_by_a_task")
    # What the migration uses of its schema editor (SQLite's cannot open inside a test's
    # transaction): the connection, quoting, and executing one statement.
    editor = SimpleNamespace(
        connection=connection,
        quote_name=connection.ops.quote_name,
        execute=lambda sql: connection.cursor().execute(sql),
    )
    migration.number_the_chain(apps, editor)
    entries = _chained()
    assert [(e.pk, e.chain_position) for e in entries] == [
        (e.pk, n) for n, e in enumerate(old, start=1)
    ]
    assert [(e.previous_hash, e.hash) for e in entries] == [(e.previous_hash, e.hash) for e in old]
    assert _head().hash == head_before.hash and _head().signature == head_before.signature
    assert verify() == []
    # And chaining goes on from there.
    (new,) = _write(1)
    chain_pending()
    new.refresh_from_db()
    assert (new.chain_position, new.previous_hash) == (5, old[-1].hash)
    assert verify() == []


def test_entries_the_previous_release_writes_during_the_upgrade_are_taken_in_as_they_are(five):
    """Migrate runs while the old code still serves (docs/operations.md, "Upgrades"): its
    entries come chained, with no position; a new entry with a lower id waits beside them."""
    (new,) = _write(1)
    old = [_written_by_the_previous_release(str(n)) for n in range(2)]
    assert new.pk < old[0].pk
    assert verify() == []  # the head points at the old code's newest: not a cut
    hashes = [e.hash for e in old]
    assert chain_pending().chained == 3  # the old ones only get their positions
    entries = _chained()
    assert [e.pk for e in entries[5:]] == [old[0].pk, old[1].pk, new.pk]
    assert [e.hash for e in entries[5:7]] == hashes
    assert verify() == []


def test_after_the_incident_is_recorded_chaining_resumes_from_the_newest_entry(five):
    AccessLog.objects.filter(pk=five[4].pk).delete()
    AccessLogHead.objects.filter(pk=1).update(hash=five[3].hash)
    (meanwhile,) = _write(1)
    with pytest.raises(CommandError, match="Nothing was chained: the chain head was changed"):
        call_command("chain_access_log", stdout=StringIO())
    out = StringIO()
    call_command("chain_access_log", "--resume-after-tampering", stdout=out)
    assert f"signed again at entry {five[3].pk}." in out.getvalue()
    assert "Chained 1 entries." in out.getvalue()
    meanwhile.refresh_from_db()
    assert meanwhile.previous_hash == five[3].hash
    assert verify() == []


def test_chaining_does_not_resume_at_a_newest_entry_forged_without_the_key(five):
    AccessLog.objects.filter(pk=five[4].pk).update(object_id="forged")
    AccessLogHead.objects.filter(pk=1).update(hash="f" * 64)
    with pytest.raises(CommandError, match=f"entry {five[4].pk} .* is not signed with a key"):
        call_command("chain_access_log", "--resume-after-tampering", stdout=StringIO())
    assert _head().hash == "f" * 64
