"""The reminder sweep: every rule, once a day, each reminder sent once and only once.

Rules live with the data they watch, in `<app>/reminders.py` as a list `RULES` of Rule: each
rule's threshold, its query and its notification kind (the neutral text, registered there and
filled from the threshold) stand together. This module finds them (as the app registry lists
them, so it imports no domain app). Each rule
answers, in one query, "which (object, recipient, period) are due today?". The sweep records
them in ReminderSent under a unique key, so a rule run twice, a retried task or two beat
processes by mistake never send the same reminder twice. The work is set-based: a fixed number
of queries per rule, whatever the number of volunteers or matches.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from importlib import import_module

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from accounts.models import User
from notifications.kinds import NotificationKind
from notifications.models import Notification, OutboxMessage, ReminderSent
from notifications.services import emails_queue


@dataclass(frozen=True)
class Due:
    object_id: int
    recipient_id: int
    period: str
    link: str
    # The role she has the task in, with its association or shelter (see notify()).
    role: str
    association_id: int | None = None
    shelter_id: int | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    # Registered next to the rule (notifications.kinds.register), with its neutral text.
    kind: NotificationKind
    due: Callable[[date], Iterable[Due]]
    # A coordinator who chose the weekly digest gets these by email on Monday instead.
    digestible: bool = True


def all_rules() -> list[Rule]:
    rules: list[Rule] = []
    for app_config in apps.get_app_configs():
        if (
            module_has_submodule(app_config.module, "reminders")
            and app_config.name != "notifications"
        ):
            rules.extend(import_module(f"{app_config.name}.reminders").RULES)
    return rules


@dataclass
class SweepResult:
    sent: dict[str, int]
    would_send: dict[str, list[Due]]


def sweep(
    *, today: date | None = None, dry_run: bool = False, rules: list[Rule] | None = None
) -> SweepResult:
    """Send every reminder that is due and was not sent before.

    Side effects (unless dry_run): ReminderSent rows; one in-app Notification (for the role of
    the Due) and, unless the recipient takes the weekly digest, one outbox email per new
    reminder.
    """
    today = today or timezone.localdate()
    result = SweepResult(sent={}, would_send={})
    for rule in rules if rules is not None else all_rules():
        due = list(rule.due(today))
        if dry_run:
            already = set(
                ReminderSent.objects.filter(rule=rule.name).values_list(
                    "object_id", "recipient_id", "period"
                )
            )
            result.would_send[rule.name] = [
                d for d in due if (d.object_id, d.recipient_id, d.period) not in already
            ]
            continue
        result.sent[rule.name] = _record_and_send(rule, due)
    return result


@transaction.atomic
def _record_and_send(rule: Rule, due: list[Due]) -> int:
    if not due:
        return 0
    sweep_id = uuid.uuid4()
    people = User.objects.in_bulk({d.recipient_id for d in due})
    # The unique key decides: rows that exist already are skipped; the new ones carry sweep_id.
    ReminderSent.objects.bulk_create(
        [
            ReminderSent(
                rule=rule.name,
                object_id=d.object_id,
                recipient_id=d.recipient_id,
                period=d.period,
                sweep=sweep_id,
                digest=rule.digestible and people[d.recipient_id].weekly_digest,
            )
            for d in due
            if d.recipient_id in people
        ],
        ignore_conflicts=True,
    )
    new = {
        (row.object_id, row.recipient_id, row.period): row.digest
        for row in ReminderSent.objects.filter(sweep=sweep_id)
    }
    fresh = [d for d in due if (d.object_id, d.recipient_id, d.period) in new]
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=d.recipient_id,
                kind=rule.kind,
                link=d.link,
                role=d.role,
                association_id=d.association_id,
                shelter_id=d.shelter_id,
            )
            for d in fresh
        ]
    )
    emails_queue(
        [
            OutboxMessage(
                recipient_id=d.recipient_id,
                to=people[d.recipient_id].email,
                template="notifications/email/task",
                context={"kind": rule.kind.code, "link": d.link},
                language=people[d.recipient_id].language,
            )
            for d in fresh
            if not new[(d.object_id, d.recipient_id, d.period)] and people[d.recipient_id].email
        ],
        in_chunks=True,
    )
    return len(fresh)


@transaction.atomic
def digests_send(*, now=None) -> int:
    """The Monday digest: one email per coordinator who chose it, with how many reminders are
    waiting and a link to her start page.

    Side effects: one outbox email per person with undigested reminders; marks them digested.
    """
    now = now or timezone.now()
    pending = ReminderSent.objects.select_for_update().filter(digest=True, digested_at__isnull=True)
    counts: dict[int, int] = {}
    for recipient_id in pending.values_list("recipient_id", flat=True):
        counts[recipient_id] = counts.get(recipient_id, 0) + 1
    people = User.objects.in_bulk(counts)
    emails_queue(
        [
            OutboxMessage(
                recipient=person,
                to=person.email,
                template="notifications/email/digest",
                context={"count": counts[person.pk], "link": "/"},
                language=person.language,
            )
            for person in people.values()
            if person.email
        ],
        in_chunks=True,
    )
    pending.update(digested_at=now)
    return len(people)
