"""Benchmark of the daily reminder sweep at national scale.

Target (from the issue): with 20,000 volunteers, 5,000 active matches and 300,000 meetings, the
daily sweep finishes in under 10 s on PostgreSQL, with a query count that does not grow with the
data. Run with `make bench`; it drops, creates and fills its own database
(BENCH_REMINDERS_DATABASE_URL, by default ressursvenner_bench_reminders on 127.0.0.1) and
writes bench/results/reminders.md.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "reminders.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ressursvenner_bench_reminders"

ASSOCIATIONS = 40
VOLUNTEERS = 20_000
ACTIVE_MATCHES = 5_000
MEETINGS = 300_000
APPLICANTS = 2_000
BATCH = 5_000


def fill() -> dict:
    """Bulk-create the national-scale data; returns what was made."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import Association, Coverage, Membership, Municipality, Role, Shelter, User
    from courses.models import Course, Enrolment, EnrolmentStatus, Session
    from matching.models import (
        FollowUp,
        FollowUpKind,
        Match,
        MatchStatus,
        Meeting,
        Referral,
        ReferralStatus,
    )
    from volunteers.models import CommitmentPeriod, Status, Volunteer

    rng = random.Random(6)
    today = timezone.localdate()
    now = timezone.now()
    unusable = make_password(None)
    municipalities = list(Municipality.objects.order_by("number"))
    associations = Association.objects.bulk_create(
        [Association(name=f"Bench sanitetsforening {n}") for n in range(ASSOCIATIONS)]
    )
    per = len(municipalities) // ASSOCIATIONS
    Coverage.objects.bulk_create(
        [
            Coverage(association=a, municipality=m)
            for i, a in enumerate(associations)
            for m in municipalities[i * per : (i + 1) * per]
        ]
    )
    coordinators = User.objects.bulk_create(
        [
            User(email=f"koordinator{n}@bench.example", password=unusable)
            for n in range(ASSOCIATIONS * 2)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, role=Role.COORDINATOR, association=associations[n // 2])
            for n, u in enumerate(coordinators)
        ]
    )
    shelter = Shelter.objects.create(name="Bench krisesenter", municipality=municipalities[0])
    staff = User.objects.create(email="ansatt@bench.example", password=unusable)
    users = User.objects.bulk_create(
        [User(email=f"frivillig{n}@bench.example", password=unusable) for n in range(VOLUNTEERS)],
        batch_size=BATCH,
    )
    volunteers = Volunteer.objects.bulk_create(
        [
            Volunteer(
                association=associations[n % ASSOCIATIONS],
                user=users[n],
                first_name="Frivillig",
                last_name=str(n),
                email=users[n].email,
                phone="+4791234567",
                municipality=municipalities[(n % ASSOCIATIONS) * per],
                birth_year=1970 + n % 30,
                motivation="-",
                status=Status.APPROVED,
                consent_at=now,
                approved_at=now - timedelta(days=400),
            )
            for n in range(VOLUNTEERS)
        ],
        batch_size=BATCH,
    )
    Volunteer.objects.bulk_create(
        [
            Volunteer(
                association=associations[n % ASSOCIATIONS],
                first_name="Søker",
                last_name=str(n),
                email=f"soker{n}@bench.example",
                phone="+4791234567",
                municipality=municipalities[(n % ASSOCIATIONS) * per],
                birth_year=1980,
                motivation="-",
                status=Status.APPLIED,
                consent_at=now,
                applied_at=now - timedelta(days=rng.randint(0, 30)),
            )
            for n in range(APPLICANTS)
        ],
        batch_size=BATCH,
    )
    CommitmentPeriod.objects.bulk_create(
        [
            CommitmentPeriod(
                volunteer=v,
                starts_on=today - timedelta(days=340 - (i % 20)),
                ends_on=today + timedelta(days=25 + (i % 340)),
            )
            for i, v in enumerate(volunteers)
        ],
        batch_size=BATCH,
    )
    referrals = Referral.objects.bulk_create(
        [
            Referral(
                shelter=shelter,
                association=volunteers[n].association,
                created_by=staff,
                alias=f"K{n}",
                age_bracket="26-35",
                municipality=municipalities[0],
                preferred_language="no",
                consent_on=today,
                consent_recorded_by=staff,
                status=ReferralStatus.ACTIVE,
            )
            for n in range(ACTIVE_MATCHES)
        ],
        batch_size=BATCH,
    )
    Referral.objects.bulk_create(
        [
            Referral(
                shelter=shelter,
                association=associations[n % ASSOCIATIONS],
                created_by=staff,
                alias=f"V{n}",
                age_bracket="26-35",
                municipality=municipalities[0],
                preferred_language="no",
                consent_on=today,
                consent_recorded_by=staff,
                created_at=now - timedelta(days=n % 6),
            )
            for n in range(400)
        ]
    )
    starts = [today - timedelta(days=10 + rng.randint(0, 330)) for _ in range(ACTIVE_MATCHES)]
    matches = Match.objects.bulk_create(
        [
            Match(
                referral=referrals[n],
                volunteer=volunteers[n],
                status=MatchStatus.ACTIVE,
                started_on=starts[n],
                planned_end_on=starts[n] + timedelta(days=365),
            )
            for n in range(ACTIVE_MATCHES)
        ],
        batch_size=BATCH,
    )
    plan = [("2w", 14), ("1m", 30), ("3m", 91), ("6m", 182), ("9m", 273)]
    follow_ups = []
    for match in matches:
        for kind, days in plan:
            due = match.started_on + timedelta(days=days)
            follow_ups.append(
                FollowUp(
                    match=match,
                    kind=kind,
                    due_on=due,
                    done_on=due if due < today - timedelta(days=3) else None,
                )
            )
        follow_ups.append(
            FollowUp(match=match, kind=FollowUpKind.CLOSING, due_on=match.planned_end_on)
        )
    FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
    per_match = MEETINGS // ACTIVE_MATCHES
    meetings = []
    made = 0
    for match in matches:
        # Most pairs meet weekly up to now; one in ten has gone quiet for 2-6 weeks.
        quiet = rng.randint(15, 45) if rng.random() < 0.1 else rng.randint(0, 6)
        last = today - timedelta(days=quiet)
        for k in range(per_match):
            day = last - timedelta(days=7 * k)
            if day < match.started_on:
                day = match.started_on
            meetings.append(
                Meeting(
                    match=match,
                    date=day,
                    met=k % 9 != 0 or k == 0,
                    minutes=60,
                    activities=1,
                    created_by_id=match.volunteer.user_id,
                )
            )
        if len(meetings) >= BATCH:
            Meeting.objects.bulk_create(meetings, batch_size=BATCH)
            made += len(meetings)
            meetings = []
    Meeting.objects.bulk_create(meetings, batch_size=BATCH)
    made += len(meetings)
    course = Course.objects.get(required_for_matching=True)
    soon = today + timedelta(days=2)
    sessions = Session.objects.bulk_create(
        [
            Session(
                course=course,
                association=a,
                starts_at=timezone.make_aware(datetime.combine(soon, clock(18))),
                ends_at=timezone.make_aware(datetime.combine(soon, clock(21))),
                place="Lokalet",
                capacity=20,
            )
            for a in associations
        ]
    )
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                session=sessions[n % ASSOCIATIONS],
                volunteer=volunteers[n],
                status=EnrolmentStatus.ENROLLED,
            )
            for n in range(0, ASSOCIATIONS * 10)
        ]
    )
    return {
        "volunteers": Volunteer.objects.filter(status=Status.APPROVED).count(),
        "applicants": APPLICANTS,
        "active matches": Match.objects.filter(status=MatchStatus.ACTIVE).count(),
        "meetings": made,
    }


def timed(call) -> tuple[float, int, object]:
    """Seconds and database queries of one call (queries counted by a wrapper, not the log)."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - start
    return seconds, count, result


def main() -> None:
    url = os.environ.get("BENCH_REMINDERS_DATABASE_URL", DEFAULT_URL)
    sys.path.insert(0, str(ROOT))
    from bench.matching import prepare_database

    prepare_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "true")
    # The sweep enqueues delivery on a real broker (Redis), as in production; workers send later.
    os.environ["CELERY_BROKER_URL"] = os.environ.get(
        "BENCH_BROKER_URL", "redis://127.0.0.1:6379/14"
    )
    os.environ["EMAIL_URL"] = "dummymail://"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ressursvenner.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    made = fill()
    fill_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    from notifications.models import OutboxMessage, ReminderSent
    from notifications.reminders import sweep

    dry_s, dry_q, dry = timed(lambda: sweep(dry_run=True))
    first_s, first_q, first = timed(lambda: sweep())
    again_s, again_q, again = timed(lambda: sweep())
    sent = sum(first.sent.values())
    rows = [
        (
            "dry run (what would be sent)",
            dry_s,
            dry_q,
            sum(len(v) for v in dry.would_send.values()),
        ),
        ("first sweep of the day", first_s, first_q, sent),
        ("the same sweep again (sends nothing)", again_s, again_q, sum(again.sent.values())),
    ]
    lines = [
        "# Reminder sweep benchmark: latest results",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} by `make bench` on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; PostgreSQL (local). Filling took {fill_seconds:.0f} s.",
        "",
        "Data: " + ", ".join(f"{v:,} {k}" for k, v in made.items()) + ".",
        "",
        "| case | seconds | queries | reminders | target | met |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, seconds, queries, count in rows:
        lines.append(
            f"| {name} | {seconds:.2f} | {queries} | {count:,} | < 10 s | {'yes' if seconds < 10 else '**no**'} |"
        )
    lines += [
        "",
        f"Rows recorded: {ReminderSent.objects.count():,} reminders sent, {OutboxMessage.objects.count():,} emails in the outbox.",
        "By rule (first sweep): "
        + ", ".join(f"{name} {count:,}" for name, count in first.sent.items())
        + ".",
        "",
    ]
    import redis

    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()  # drop the enqueued deliveries
    text = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
