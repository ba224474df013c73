"""Page views writing the access log at the same moment, in real transactions on two
connections: they do not wait for each other, nor for the task that chains the log; entries
that commit out of the order of their ids, or not at all, are chained as they come.

Only PostgreSQL shows it (SQLite runs one writer at a time): CI runs this on PostgreSQL.
Locally: DATABASE_URL=postgres://postgres@127.0.0.1:5432/ressursvenner .venv/bin/pytest
tests/security/test_access_log_race.py
"""

import threading

import pytest
from django.db import connection, transaction

from accounts.audit import GENESIS, access_log_record, chain_pending, verify
from accounts.models import AccessLog, AccessLogHead
from tests.conftest import login

# Real commits, so that each thread sees the others' writes; the flush afterwards would remove
# the reference data from migrations, so it is restored (serialized_rollback).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 10  # seconds: far more than any of these steps takes when nothing blocks


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the race needs two concurrent transactions on PostgreSQL")


def _record(object_id: str) -> AccessLog:
    return access_log_record(
        user=None, role="coordinator", action="view", object_type="referral", object_id=object_id
    )


def _in_thread(target, *args) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target(*args)
        except BaseException as error:  # reported in the test's own thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_two_page_views_write_their_entries_at_once_without_waiting_for_each_other():
    """Each view writes its entry and then, its transaction still open, waits until the other
    has written too. Were there a lock on one row (the chain head, as each view once took), the
    second view would wait for the first to commit, the first for the second to write: neither
    would get past the barrier."""
    chain_pending()  # the head exists
    both_written = threading.Barrier(2, timeout=WAIT)

    def view(object_id: str) -> None:
        with transaction.atomic():
            _record(object_id)
            both_written.wait()

    runs = [_in_thread(view, name) for name in ("first", "second")]
    for thread, _errors in runs:
        thread.join(timeout=3 * WAIT)
    assert [errors for _thread, errors in runs] == [[], []]
    assert AccessLog.objects.count() == 2
    assert chain_pending().chained == 2
    assert verify() == []


def test_a_page_view_does_not_wait_for_the_chaining_task_holding_the_head(
    client, oslo, coordinator_oslo, make_referral
):
    """The task holds the head's lock (as while it chains a long backlog); a coordinator opens
    a referral meanwhile, and her page is served while the lock is still held."""
    referral = make_referral(oslo)
    login(client, coordinator_oslo)
    locked, release = threading.Event(), threading.Event()

    def chaining_task() -> None:
        with transaction.atomic():
            AccessLogHead.objects.select_for_update().get_or_create(
                pk=1, defaults={"hash": GENESIS}
            )
            locked.set()
            release.wait(timeout=3 * WAIT)

    task, task_errors = _in_thread(chaining_task)
    assert locked.wait(timeout=WAIT)
    statuses: list[int] = []
    view, view_errors = _in_thread(
        lambda: statuses.append(client.get(referral.get_absolute_url()).status_code)
    )
    view.join(timeout=WAIT)
    served_while_locked = not view.is_alive()
    release.set()
    view.join(timeout=3 * WAIT)
    task.join(timeout=3 * WAIT)
    assert served_while_locked, "the page view waited for the head's lock"
    assert (statuses, view_errors, task_errors) == ([200], [], [])
    entry = AccessLog.objects.get()
    assert (entry.object_id, entry.chain_position) == (str(referral.public_id), None)
    assert chain_pending().chained == 1
    assert verify() == []


def test_an_entry_committed_after_higher_ids_were_chained_is_chained_after_them():
    """A slow view takes its id first and commits last; between, a quick view commits, another
    rolls back (a gap in the ids) and the task runs. The chain takes the entries in the order
    they committed, reports no gap, and verifies."""
    written, commit = threading.Event(), threading.Event()
    slow_ids: list[int] = []

    def slow_view() -> None:
        with transaction.atomic():
            slow_ids.append(_record("slow").pk)
            written.set()
            commit.wait(timeout=3 * WAIT)

    slow, slow_errors = _in_thread(slow_view)
    assert written.wait(timeout=WAIT)
    quick = _record("quick")
    with pytest.raises(RuntimeError), transaction.atomic():
        _record("rolled back")
        raise RuntimeError("the view failed after writing its entry")
    after_the_gap = _record("after the gap")
    assert chain_pending().chained == 2  # the slow one has not committed: not seen
    commit.set()
    slow.join(timeout=3 * WAIT)
    assert slow_errors == []
    (slow_id,) = slow_ids
    assert slow_id < quick.pk < after_the_gap.pk - 1  # out of id order, and a gap
    assert chain_pending().chained == 1
    chain = list(AccessLog.objects.order_by("chain_position").values_list("pk", "chain_position"))
    assert chain == [(quick.pk, 1), (after_the_gap.pk, 2), (slow_id, 3)]
    assert verify() == []


def test_two_chaining_runs_at_once_chain_each_entry_once():
    """Two beats, or beat's task and verify_audit_log: they take turns on the head's lock."""
    for n in range(40):
        _record(str(n))
    start = threading.Barrier(2, timeout=WAIT)
    runs: list[int] = []

    def run() -> None:
        start.wait()
        runs.append(chain_pending(batch=7).chained)

    threads = [_in_thread(run) for _n in range(2)]
    for thread, _errors in threads:
        thread.join(timeout=3 * WAIT)
    assert [errors for _thread, errors in threads] == [[], []]
    assert sum(runs) == 40
    positions = list(AccessLog.objects.values_list("chain_position", flat=True))
    assert sorted(positions) == list(range(1, 41))
    assert verify() == []
