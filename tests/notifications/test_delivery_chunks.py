"""A sweep queues its emails in chunks: one task per DELIVERY_CHUNK ids, so queueing costs a
few publishes however many reminders there are, and each email is still sent exactly once."""

import math
from collections import Counter
from datetime import date

import pytest
from celery.signals import task_prerun
from django.core import mail

from accounts.models import Role
from matching.reminders import NO_MEETING_VOLUNTEER
from notifications import services
from notifications.models import OutboxMessage, OutboxStatus, ReminderSent
from notifications.reminders import Due, Rule, digests_send, sweep
from notifications.tasks import deliver_emails
from tests.factories import person

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
