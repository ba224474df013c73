"""Two workers given the same chunk of emails at the same moment, in real transactions: each
email goes out once.

Only PostgreSQL shows the race (SQLite runs one writer at a time and ignores select_for_update):
CI runs this on PostgreSQL.
"""

import functools
import threading

import pytest
from django.core import mail
from django.db import connection

from matching.reminders import NO_MEETING_VOLUNTEER
from notifications import services
from notifications.models import OutboxMessage, OutboxStatus
from tests.notifications import backends

# Real commits, so the threads see each other's writes; the flush afterwards would remove the
# reference data from migrations, so it is restored (serialized_rollback).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the race needs concurrent transactions on PostgreSQL")


def waiting_emails(count: int, prefix: str = "frivillig") -> list[int]:
    return [
        OutboxMessage.objects.create(
            to=f"{prefix}{n}@example.no",
            template="notifications/email/task",
            context={"kind": NO_MEETING_VOLUNTEER.code, "link": "/"},
        ).pk
        for n in range(count)
    ]


def in_threads(*calls) -> list:
    """Run each call in a thread of its own (its own database connection), all let go at once;
    their results, in order. An exception in a thread fails the test."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_four_workers_given_the_same_chunk_at_once_send_each_email_once(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.ConnectionBackend"
    for round_ in range(3):  # a few rounds: the claims overlap in more than one way
        ids = waiting_emails(30, prefix=f"runde{round_}-")
        deliver = functools.partial(services.outbox_deliver_chunk, message_ids=ids)
        sent = in_threads(*[deliver] * 4)
        assert sum(sent) == 30
    addresses = [m.to[0] for m in mail.outbox]
    assert len(addresses) == len(set(addresses)) == 90
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 90


def test_a_chunk_another_worker_is_claiming_is_skipped_not_waited_for(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.ConnectionBackend"
    ids = waiting_emails(5)
    locked, release = threading.Event(), threading.Event()

    def claiming() -> None:  # the other worker, holding the rows' locks mid-claim
        from django.db import transaction

        with transaction.atomic():
            list(OutboxMessage.objects.select_for_update().filter(pk__in=ids))
            locked.set()
            assert release.wait(timeout=20)
            transaction.set_rollback(True)  # it dies before its claim is written

    def second() -> int:
        assert locked.wait(timeout=20)
        try:
            return services.outbox_deliver_chunk(message_ids=ids)
        finally:
            release.set()

    _nothing, by_second = in_threads(claiming, second)
    assert by_second == 0 and not mail.outbox
    # Still waiting, so a later run (the task again, or the periodic sweep) sends them.
    assert services.outbox_deliver_chunk(message_ids=ids) == 5
    assert len(mail.outbox) == 5


def test_a_chunk_one_worker_is_sending_is_not_sent_by_another(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.WaitingBackend"
    backends.WaitingBackend.sending.clear()
    backends.WaitingBackend.go.clear()
    ids = waiting_emails(5)

    def first() -> int:
        return services.outbox_deliver_chunk(message_ids=ids)

    def second() -> int:  # given the same chunk while the first sends its first email
        assert backends.WaitingBackend.sending.wait(timeout=20)
        try:
            return services.outbox_deliver_chunk(message_ids=ids)
        finally:
            backends.WaitingBackend.go.set()

    assert in_threads(first, second) == [5, 0]
    assert sorted(m.to[0] for m in mail.outbox) == [f"frivillig{n}@example.no" for n in range(5)]
