"""A sweep queues its emails in chunks: one task per DELIVERY_CHUNK ids, so queueing costs a
few publishes however many reminders there are, and each email is still sent exactly once."""

import email
import math
import random
import string
from collections import Counter
from datetime import date, timedelta
from email.policy import compat32

import pytest
from celery.signals import task_prerun
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from matching.reminders import NO_MEETING_VOLUNTEER
from notifications import reminders, services
from notifications.models import Notification, OutboxMessage, OutboxStatus, ReminderSent
from notifications.reminders import Due, Rule, digests_send, sweep
from notifications.services import HEADERS
from notifications.tasks import deliver_emails
from tests.factories import person
from tests.notifications import backends

pytestmark = pytest.mark.django_db

DELIVERY_TASKS = {"notifications.deliver_email", "notifications.deliver_emails"}


@pytest.fixture
def delivery_tasks():
    """The delivery tasks run, by name (tests run Celery eagerly: one run per publish)."""
    runs: Counter = Counter()

    def count(sender=None, **_kwargs):
        if sender.name in DELIVERY_TASKS:
            runs[sender.name] += 1

    task_prerun.connect(count, weak=False)
    yield runs
    task_prerun.disconnect(count)


def a_rule_due_for(people, association) -> Rule:
    def due(today: date):
        return [
            Due(
                object_id=1,
                recipient_id=user.pk,
                period="p",
                link="/",
                role=Role.VOLUNTEER,
                association_id=association.pk,
            )
            for user in people
        ]

    return Rule(name="test.chunked", kind=NO_MEETING_VOLUNTEER, due=due)


def test_the_sweep_queues_one_task_per_chunk_and_sends_each_email_once(
    oslo, monkeypatch, delivery_tasks, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "DELIVERY_CHUNK", 3)
    people = [person(Role.VOLUNTEER, place=oslo) for _n in range(7)]
    rule = a_rule_due_for(people, oslo)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(rules=[rule]).sent == {"test.chunked": 7}
    assert delivery_tasks == {"notifications.deliver_emails": math.ceil(7 / 3)}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(user.email for user in people)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}

    with django_capture_on_commit_callbacks(execute=True):  # the same reminders again: nothing
        assert sweep(rules=[rule]).sent == {"test.chunked": 0}
    assert sum(delivery_tasks.values()) == 3
    assert len(mail.outbox) == 7 and ReminderSent.objects.count() == 7


def test_a_chunk_run_twice_sends_nothing_twice(oslo, monkeypatch, delivery_tasks):
    monkeypatch.setattr(services, "DELIVERY_CHUNK", 10)
    people = [person(Role.VOLUNTEER, place=oslo) for _n in range(3)]
    sweep(rules=[a_rule_due_for(people, oslo)])  # queued on commit, which never comes here
    assert not mail.outbox and not delivery_tasks
    ids = list(OutboxMessage.objects.values_list("pk", flat=True))
    deliver_emails.delay(message_ids=ids)
    deliver_emails.delay(message_ids=ids)  # a retry, or a second worker given the same chunk
    assert sorted(m.to[0] for m in mail.outbox) == sorted(user.email for user in people)
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 3


def test_the_digest_goes_out_in_chunks(
    oslo, monkeypatch, delivery_tasks, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "DELIVERY_CHUNK", 2)
    people = [person(Role.COORDINATOR, place=oslo, weekly_digest=True) for _n in range(5)]
    sweep(rules=[a_rule_due_for(people, oslo)])
    assert not mail.outbox  # held for the digest
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 5
    assert delivery_tasks == {"notifications.deliver_emails": 3}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(user.email for user in people)


def test_an_interactive_email_is_still_its_own_task_at_once(
    delivery_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_send(
            to="x@example.no",
            template="notifications/email/task",
            context={"kind": "concern", "link": "/"},
        )
    assert delivery_tasks == {"notifications.deliver_email": 1}
    assert [m.to for m in mail.outbox] == [["x@example.no"]]


# --- Delivery of a chunk: one connection, each email its own text, a refusal retried ----------


def waiting_emails(addresses, *, link="/", language="nb") -> list[int]:
    """Outbox messages to `addresses`, written (not handed to a worker); their ids."""
    return [
        OutboxMessage.objects.create(
            to=address,
            template="notifications/email/task",
            context={"kind": NO_MEETING_VOLUNTEER.code, "link": link},
            language=language,
        ).pk
        for address in addresses
    ]


@pytest.fixture
def connections(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.ConnectionBackend"
    backends.ConnectionBackend.opened = 0
    return backends.ConnectionBackend


def test_a_chunk_goes_over_one_connection_per_sender_to_the_mail_server(connections):
    ids = waiting_emails([f"frivillig{n}@example.no" for n in range(5)])
    assert services.outbox_deliver_chunk(message_ids=ids) == 5
    assert connections.opened == services.SENDERS == 2
    assert sorted(m.to[0] for m in mail.outbox) == [f"frivillig{n}@example.no" for n in range(5)]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    # What was written to them is erased once sent, as for one email at a time.
    assert not OutboxMessage.objects.exclude(context={}).exists()


def test_a_refused_email_waits_for_a_retry_and_the_rest_of_its_chunk_goes_out(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingBackend"
    backends.RefusingBackend.opened = 0
    backends.RefusingBackend.refused = {"nei@example.no"}
    ids = waiting_emails(["a@example.no", "nei@example.no", "b@example.no", "c@example.no"])
    assert services.outbox_deliver_chunk(message_ids=ids) == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.no", "b@example.no", "c@example.no"]
    # Two senders (a and b; "nei" and c): the second's connection was closed after the refusal
    # and opened anew for c.
    assert backends.RefusingBackend.opened == 3
    refused = OutboxMessage.objects.get(to="nei@example.no")
    assert refused.status == OutboxStatus.PENDING and refused.attempts == 1
    assert refused.last_error == "SMTPRecipientsRefused"
    assert refused.next_attempt_at > timezone.now() + timedelta(seconds=90)
    assert refused.context  # kept, to be sent later

    assert services.outbox_deliver_chunk(message_ids=ids) == 0  # the chunk again: not due yet
    OutboxMessage.objects.filter(pk=refused.pk).update(next_attempt_at=timezone.now())
    backends.RefusingBackend.refused = set()
    assert services.outbox_sweep() == 1  # the periodic sweep retries it, alone
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@example.no",
        "b@example.no",
        "c@example.no",
        "nei@example.no",
    ]
    refused.refresh_from_db()
    assert refused.status == OutboxStatus.SENT and refused.attempts == 2


def test_each_email_of_a_chunk_has_its_own_link_and_language(connections):
    ids = [
        *waiting_emails(["a@example.no", "b@example.no"], link="/logg-mote/"),
        *waiting_emails(["c@example.no"], link="/koblinger/123/"),
        *waiting_emails(["d@example.no"], link="/logg-mote/", language="en"),
    ]
    services.outbox_deliver_chunk(message_ids=ids)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    html = {m.to[0]: m.alternatives[0][0] for m in mail.outbox}
    for address in ("a@example.no", "b@example.no"):
        assert "/logg-mote/" in bodies[address] and "/koblinger/" not in bodies[address]
        assert "Logg inn" in bodies[address]
    assert "/koblinger/123/" in bodies["c@example.no"] and "/koblinger/123/" in html["c@example.no"]
    assert "Log in" in bodies["d@example.no"] and "Logg inn" not in bodies["d@example.no"]
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["a@example.no"] != subjects["d@example.no"]  # Norwegian and English


def test_a_sent_email_is_text_and_html_with_one_boundary_of_its_own(connections):
    waiting_emails(["a@example.no", "b@example.no"])
    services.outbox_sweep()
    parsed = [email.message_from_bytes(m.message().as_bytes()) for m in mail.outbox]
    for message in parsed:
        assert message.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in message.get_payload()] == [
            "text/plain",
            "text/html",
        ]
    assert parsed[0].get_boundary() != parsed[1].get_boundary()


# --- The sweep's emails: as many tasks as chunks, each email once, on every database path -----


def test_a_big_rule_is_written_in_batches_each_queued_in_chunks(
    oslo, monkeypatch, delivery_tasks, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "DELIVERY_CHUNK", 5)
    monkeypatch.setattr(reminders, "SQL_BATCH", 5)  # PostgreSQL: a statement per 5 reminders
    people = [person(Role.VOLUNTEER, place=oslo) for _n in range(12)]
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(rules=[a_rule_due_for(people, oslo)]).sent == {"test.chunked": 12}
    assert delivery_tasks == {"notifications.deliver_emails": math.ceil(12 / 5)}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(user.email for user in people)
    assert Notification.objects.count() == ReminderSent.objects.count() == 12


def twin_rule(people, association, stranger_id: int) -> Rule:
    """What a rule may hand the sweep: the same key twice (two roles of one person), a
    recipient who is gone, and ordinary ones."""
    coordinator, volunteer, digest_taker, erased = people

    def due(today: date):
        common = {"object_id": 7, "period": "2026-01-01", "association_id": association.pk}
        return [
            Due(recipient_id=volunteer.pk, link="/a/", role=Role.VOLUNTEER, **common),
            Due(recipient_id=coordinator.pk, link="/b/", role=Role.COORDINATOR, **common),
            Due(recipient_id=coordinator.pk, link="/c/", role=Role.VOLUNTEER, **common),
            Due(recipient_id=digest_taker.pk, link="/d/", role=Role.COORDINATOR, **common),
            Due(recipient_id=erased.pk, link="/e/", role=Role.COORDINATOR, **common),
            Due(recipient_id=stranger_id, link="/f/", role=Role.COORDINATOR, **common),
        ]

    return Rule(name="test.twins", kind=NO_MEETING_VOLUNTEER, due=due)


def written() -> dict:
    """What the sweep wrote, without ids, times and random values."""
    return {
        "reminders": sorted(
            ReminderSent.objects.values_list(
                "rule", "object_id", "recipient_id", "period", "digest"
            )
        ),
        "notifications": sorted(
            Notification.objects.values_list(
                "recipient_id", "kind", "link", "role", "association_id", "shelter_id", "read_at"
            ),
            key=str,
        ),
        "emails": sorted(
            OutboxMessage.objects.values_list(
                "recipient_id", "to", "template", "context", "language", "status", "attempts"
            ),
            key=str,
        ),
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's")
def test_the_sql_path_writes_what_the_orm_path_writes(oslo, django_capture_on_commit_callbacks):
    people = [
        person(Role.COORDINATOR, place=oslo, language="en"),
        person(Role.VOLUNTEER, place=oslo),
        person(Role.COORDINATOR, place=oslo, weekly_digest=True),
        person(Role.COORDINATOR, place=oslo, email="slettet-1@invalid.example"),
    ]
    rule = twin_rule(people, oslo, stranger_id=max(p.pk for p in people) + 100)
    due = list(rule.due(date.today()))
    with django_capture_on_commit_callbacks() as callbacks:
        assert reminders._record_and_send_orm(rule, due) == 5
    by_orm = written()
    assert len(by_orm["emails"]) == 3  # not to the digest, the erased address, the one gone
    for model in (ReminderSent, Notification, OutboxMessage):
        model.objects.all().delete()
    with django_capture_on_commit_callbacks() as sql_callbacks:
        assert reminders._record_and_send_in_sql(rule, due) == 5
    assert written() == by_orm
    assert len(callbacks) == len(sql_callbacks) == 1  # the emails handed over after commit
    # And the key decides the next time, on either path.
    assert reminders._record_and_send_in_sql(rule, due) == 0
    assert reminders._record_and_send_orm(rule, due) == 0


def test_headers_are_written_as_the_standard_library_writes_them():
    """HEADERS writes a short ASCII header as it is: what compat32's folding makes of it."""
    rng = random.Random(15)
    alphabet = string.ascii_letters + string.digits + string.punctuation + " \t;,=?" * 5
    values = [
        "Ressursvenner: du har en ny oppgave",
        "Ressursvenner: du har en ny oppgåve – æøå",  # not ASCII: folded as before
        "a " * 60,  # too long for one line
        "=?utf-8?q?Ressursvenner=3A_du_har_en_ny_oppg=C3=A5ve?=",
        "",
        *("".join(rng.choice(alphabet) for _n in range(rng.randint(0, 90))) for _m in range(3000)),
    ]
    ours, theirs = HEADERS.clone(linesep="\r\n"), compat32.clone(linesep="\r\n")
    for name in ("Subject", "To", "Content-Type", "X-A-Much-Longer-Header-Name"):
        for value in values:
            assert ours.fold_binary(name, value) == theirs.fold_binary(name, value), value


def test_an_email_is_written_byte_for_byte_as_django_writes_it(connections):
    for subject in ("Ressursvenner: du har en ny oppgave", "Ressursvenner: " + "ø" * 80):
        message = OutboxMessage(
            to="frivillig@example.no", subject=subject, body="Tekst", html="<p>Tekst</p>"
        )
        written = services._render(message).message()
        assert written.policy is HEADERS
        fast = written.as_bytes(linesep="\r\n")
        written.policy = compat32
        assert fast == written.as_bytes(linesep="\r\n")
