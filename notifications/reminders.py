"""The reminder sweep: every rule, once a day, each reminder sent once and only once.

Rules live with the data they watch, in `<app>/reminders.py` as a list `RULES` of Rule: each
rule's threshold, its query and its notification kind (the neutral text, registered there and
filled from the threshold) stand together. This module finds them (as the app registry lists
them, so it imports no domain app). Each rule
answers, in one query, "which (object, recipient, period) are due today?". The sweep records
them in ReminderSent under a unique key, so a rule run twice, a retried task or two beat
processes by mistake never send the same reminder twice. The work is set-based: a fixed number
of queries per rule, whatever the number of volunteers or matches (on PostgreSQL one more per
SQL_BATCH new reminders: the rows are written in SQL there, without a model instance each).
The emails go to the workers in chunks (notifications.services.emails_enqueue), so queueing
costs a publish per DELIVERY_CHUNK emails, and sending a claim and a few connections to the mail
server each (notifications.services.outbox_deliver_chunk).
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from importlib import import_module

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from accounts.models import User
from notifications import kinds
from notifications.kinds import NotificationKind
from notifications.models import Notification, OutboxMessage, OutboxStatus, ReminderSent
from notifications.services import emails_enqueue, emails_queue, erased_email_sql


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
    # What the list names it by (a referral's number, never a name): Notification.reference.
    reference: str = ""


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


# On PostgreSQL the new reminders are written by one statement per this many due.
SQL_BATCH = 5_000
TASK_TEMPLATE = "notifications/email/task"


def _record_and_send(rule: Rule, due: list[Due]) -> int:
    if not due:
        return 0
    if connection.vendor == "postgresql":
        return _record_and_send_in_sql(rule, due)
    return _record_and_send_orm(rule, due)


@transaction.atomic
def _record_and_send_orm(rule: Rule, due: list[Due]) -> int:
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
                reference=d.reference,
            )
            for d in fresh
        ]
    )
    emails_queue(
        [
            OutboxMessage(
                recipient_id=d.recipient_id,
                to=people[d.recipient_id].email,
                template=TASK_TEMPLATE,
                context={"kind": rule.kind.code, "link": d.link},
                language=people[d.recipient_id].language,
            )
            for d in fresh
            if not new[(d.object_id, d.recipient_id, d.period)] and people[d.recipient_id].email
        ],
        in_chunks=True,
    )
    return len(fresh)


def _record_and_send_in_sql(rule: Rule, due: list[Due]) -> int:
    """The same as the ORM's path above, in one statement per SQL_BATCH due: the ReminderSent
    rows (the unique key skips those sent before), and for each new one the Notification and,
    unless she takes the digest or has no address (or an erased one, as emails_queue drops),
    the OutboxMessage. Every column is written here: a new field of these models needs its value
    here too (the sweep's tests run on PostgreSQL).

    Each statement is a transaction of its own, and its emails are handed to the workers when it
    commits, in chunks: delivery of a big rule begins while the rest is written. A sweep stopped
    halfway has recorded whole batches only; the next one sends the rest.
    """
    kind = kinds.get(rule.kind)  # an unregistered kind raises UnknownKind, as bulk_create would
    by_key: dict[tuple, list[Due]] = {}
    for d in due:  # equal keys in one statement: the first is new, its twins go with it
        by_key.setdefault((d.object_id, d.recipient_id, d.period), []).append(d)
    groups = list(by_key.values())
    fresh = 0
    sweep_id = uuid.uuid4()
    now = timezone.now()
    for start in range(0, len(groups), SQL_BATCH):
        batch = [d for group in groups[start : start + SQL_BATCH] for d in group]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                RECORD_SQL,
                {
                    "object_ids": [d.object_id for d in batch],
                    "recipient_ids": [d.recipient_id for d in batch],
                    "periods": [str(d.period) for d in batch],
                    "links": [str(d.link) for d in batch],
                    "roles": [str(d.role) for d in batch],
                    "associations": [d.association_id for d in batch],
                    "shelters": [d.shelter_id for d in batch],
                    "references": [str(d.reference) for d in batch],
                    "rule": rule.name,
                    "sweep": sweep_id,
                    "digestible": rule.digestible,
                    "now": now,
                    "kind": kind.code,
                    "template": TASK_TEMPLATE,
                    "pending": OutboxStatus.PENDING.value,
                },
            )
            count, queued = cursor.fetchone()
            emails_enqueue(queued, in_chunks=True)
        fresh += count
    return fresh


# Only the models' table names are put into the text; every value is a parameter.
RECORD_SQL = f"""
WITH due (object_id, recipient_id, period, link, role, association_id, shelter_id, reference)
AS (
    SELECT * FROM unnest(
        %(object_ids)s::bigint[], %(recipient_ids)s::bigint[], %(periods)s::text[],
        %(links)s::text[], %(roles)s::text[], %(associations)s::bigint[], %(shelters)s::bigint[],
        %(references)s::text[]
    )
),
fresh AS (
    INSERT INTO {ReminderSent._meta.db_table}
        (rule, object_id, recipient_id, period, sweep, digest, digested_at, created_at)
    SELECT %(rule)s, due.object_id, due.recipient_id, due.period, %(sweep)s,
        %(digestible)s AND person.weekly_digest, NULL, %(now)s
    FROM due JOIN {User._meta.db_table} person ON person.id = due.recipient_id
    ON CONFLICT DO NOTHING
    RETURNING object_id, recipient_id, period, digest
),
new_due AS (
    SELECT due.*, fresh.digest FROM fresh JOIN due USING (object_id, recipient_id, period)
),
notified AS (
    INSERT INTO {Notification._meta.db_table}
        (public_id, recipient_id, role, association_id, shelter_id, kind, link, reference,
         created_at, read_at)
    SELECT gen_random_uuid(), recipient_id, role, association_id, shelter_id, %(kind)s, link,
        reference, %(now)s, NULL
    FROM new_due
),
queued AS (
    INSERT INTO {OutboxMessage._meta.db_table}
        (public_id, recipient_id, "to", template, context, subject, body, html, language, status,
         attempts, next_attempt_at, last_error, created_at, sent_at)
    SELECT gen_random_uuid(), person.id, person.email, %(template)s,
        jsonb_build_object('kind', %(kind)s::text, 'link', new_due.link), '', '', '',
        person.language, %(pending)s, 0, %(now)s, '', %(now)s, NULL
    FROM new_due JOIN {User._meta.db_table} person ON person.id = new_due.recipient_id
    WHERE NOT new_due.digest AND person.email <> ''
        AND NOT {erased_email_sql("person.email")}
    RETURNING id
)
SELECT (SELECT count(*) FROM new_due), ARRAY(SELECT id FROM queued ORDER BY id)
"""  # noqa: S608


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
