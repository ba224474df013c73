"""Benchmark of the daily reminder sweep at national scale, delivered end to end.

Targets: with 20,000 volunteers, 5,000 active matches and 300,000 meetings, the daily sweep
finishes in under 10 s on PostgreSQL, with a query count that does not grow with the data
(meetings and reminders issue); issue 15: an ordinary day's reminders delivered end to end in
under 5 s, and a day of 50,000 reminders delivered by a real worker end to end in under 30 s.

Run with `make bench`. It drops, creates and fills its own database
(BENCH_REMINDERS_DATABASE_URL, by default ressursvenner_bench_reminders on 127.0.0.1; the name
must contain "bench"), empties its Redis database (BENCH_REDIS_URL, by default
redis://127.0.0.1:6379/14) and writes bench/results/reminders.md.

End to end: a real `celery worker` (2 processes, the project's production settings, Redis) and
an SMTP server in another process (bench/smtp_sink.py) that counts what it receives. The sweep
runs in this process, as a worker runs beat's task; the clock runs from the sweep's start until
the server has received the last email. Every email must arrive exactly once (distinct
Message-IDs) and every outbox row end up sent.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
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
# The national day: commitments moved to end within the month, to make about 50,000 reminders.
NATIONAL_SHARE = 5 / 6
# Issue 15's targets, end to end.
ORDINARY_TARGET_S = 5.0
NATIONAL_TARGET_S = 30.0
# The sweep of the meetings and reminders issue, without delivery.
SWEEP_TARGET_S = 10.0
WAIT_LIMIT_S = 300.0


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


def national_day() -> int:
    """Make a day with about 50,000 reminders due: NATIONAL_SHARE of the commitments end within
    the month (each tells her two coordinators and her). Returns the commitments moved."""
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE volunteers_commitmentperiod SET ends_on = %s + (5 + id %% 20)::integer "
            "WHERE id %% %s <> 0",
            [timezone.localdate(), round(1 / (1 - NATIONAL_SHARE))],
        )
        moved = cursor.rowcount
        cursor.execute("ANALYZE volunteers_commitmentperiod")
    return moved


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Worker:
    """`celery worker` with 2 processes, in production's environment, its log in a file."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.text = ""
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in stop())
            prefix="bench-reminders-worker-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ressursvenner",
                "worker",
                "--concurrency=2",
                "--loglevel=WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--hostname=bench-reminders@%h",
            ],
            cwd=ROOT,
            env={**os.environ, **environment},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        from ressursvenner.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if app.control.ping(timeout=1):
                return
        self.stop()
        sys.exit("The Celery worker did not start:\n" + Path(self.log.name).read_text()[-3000:])

    def stop(self) -> str:
        """Stop it (a warm shutdown); its log. Again: the same log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.log.closed:
            self.log.close()
            self.text = Path(self.log.name).read_text()
            os.unlink(self.log.name)
        return self.text


def _cpu(pid: int) -> float:
    """CPU seconds (user and system) process `pid` has used; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(worker: Worker, sink) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process of each part: this process (the sweep), the worker's
    processes, the SMTP server and the PostgreSQL backends on the benchmark's database."""
    from django.db import connection

    main = worker.process.pid
    try:
        with open(f"/proc/{main}/task/{main}/children") as children:
            workers = [main, *map(int, children.read().split())]
    except OSError:
        workers = [main]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        backends = [row[0] for row in cursor.fetchall()]
    return {
        "the sweep's process": {0: time.process_time()},
        "worker": {pid: _cpu(pid) for pid in workers},
        "SMTP server": {0: sink.cpu_seconds()},
        "PostgreSQL": {pid: _cpu(pid) for pid in backends},
    }


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each part used between two snapshots (a backend that ended in between is
    missed; one that began is counted whole)."""
    return {
        part: sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items())
        for part in after
    }


def wait_for(sink, count: int) -> bool:
    """Until the server has received `count` messages in all (or WAIT_LIMIT_S passed)."""
    deadline = time.monotonic() + WAIT_LIMIT_S
    while sink.received < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return sink.received >= count


def end_to_end(name: str, worker: Worker, sink, published: list[str]) -> dict:
    """One sweep in this process; the worker delivers. Seconds of the sweep and end to end, and
    the CPU time each part used."""
    from notifications.models import OutboxMessage
    from notifications.reminders import sweep

    before_emails = OutboxMessage.objects.count()
    before_received = sink.received
    before_tasks = len(published)
    before_cpu = cpu_snapshot(worker, sink)
    started = time.monotonic()
    seconds, queries, result = timed(sweep)
    emails = OutboxMessage.objects.count() - before_emails
    delivered = wait_for(sink, before_received + emails)
    cpu = cpu_used(before_cpu, cpu_snapshot(worker, sink))
    return {
        "cpu": cpu,
        "case": name,
        "sweep_s": seconds,
        "queries": queries,
        "reminders": sum(result.sent.values()),
        "by_rule": result.sent,
        "emails": emails,
        "tasks": len(published) - before_tasks,
        "delivered": delivered,
        "received": sink.received - before_received,
        "end_to_end_s": (sink.last_at - started) if delivered else None,
    }


def measure(made: dict, fill_seconds: float) -> str:
    """Every case on the filled database; returns the results' markdown."""
    import redis
    from celery.signals import before_task_publish
    from django.db import transaction
    from django.db.models import Count

    from bench.machine import describe
    from bench.smtp_sink import Sink
    from notifications.models import OutboxMessage, OutboxStatus, ReminderSent
    from notifications.reminders import sweep
    from notifications.services import DELIVERY_CHUNK, emails_queue

    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
    load_at_start = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    published: list[str] = []

    def count_publish(sender=None, **_kwargs) -> None:
        published.append(sender)

    before_task_publish.connect(count_publish, weak=False)

    # Warm: the rules' queries and the URLs they reverse (a worker that ran yesterday's sweep
    # has them), measured as the dry run.
    dry_s, dry_q, dry = timed(lambda: sweep(dry_run=True))

    sink = Sink(free_port()).start()
    worker_environment = {
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    worker = Worker(worker_environment)
    try:
        worker.wait_ready()
        # Warm the worker's processes (templates, database connections), as a running service.
        with transaction.atomic():
            warm = emails_queue(
                [
                    OutboxMessage(
                        to=f"oppvarming{n}@bench.example",
                        template="notifications/email/task",
                        context={"kind": "concern", "link": "/"},
                    )
                    for n in range(8)
                ]
            )
        if not wait_for(sink, len(warm)):
            sys.exit("The worker delivered nothing: " + worker.stop()[-3000:])
        warm_ids = sink.received
        published.clear()

        ordinary = end_to_end("ordinary day", worker, sink, published)
        moved = national_day()
        national = end_to_end("national day", worker, sink, published)
        again_s, again_q, again = timed(sweep)
        time.sleep(2)  # anything sent twice would have arrived by now
    finally:
        log = worker.stop()
        ids = sink.stop()
        before_task_publish.disconnect(count_publish)
        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()

    cases = [ordinary, national]
    expected = warm_ids + ordinary["emails"] + national["emails"]
    statuses = dict(OutboxMessage.objects.order_by().values_list("status").annotate(n=Count("id")))
    once = len(ids) == sum(ids.values()) == expected and b"(none)" not in ids
    all_sent = statuses == {OutboxStatus.SENT: OutboxMessage.objects.count()}
    errors = [line for line in log.splitlines() if "ERROR" in line or "Traceback" in line]

    def met(seconds: float | None, target: float) -> str:
        return "yes" if seconds is not None and seconds < target and once else "**no**"

    lines = [
        "# Reminder sweep benchmark: latest results",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} by `make bench` on {describe()} (load "
        f"average {load_at_start} at the start); Redis "
        f"{redis.Redis.from_url(os.environ['CELERY_BROKER_URL']).info()['redis_version']}. "
        f"Filling took {fill_seconds:.0f} s.",
        "",
        "Data: " + ", ".join(f"{v:,} {k}" for k, v in made.items()) + ". "
        f"The national day: {moved:,} commitments moved to end within the month.",
        "",
        "## End to end: the sweep, and a real worker delivering over SMTP",
        "",
        "A `celery worker` with 2 processes (production settings, Redis) delivers to an SMTP "
        "server in another process; the sweep runs in this process. End to end: from the "
        "sweep's start until the server has received the last email.",
        "",
        "| case | reminders | emails | tasks | sweep s | queries | end to end s | emails/s | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for case, target in ((ordinary, ORDINARY_TARGET_S), (national, NATIONAL_TARGET_S)):
        total = case["end_to_end_s"]
        rate = f"{case['emails'] / total:,.0f}" if total else "–"
        lines.append(
            f"| {case['case']} | {case['reminders']:,} | {case['emails']:,} | {case['tasks']:,} | "
            f"{case['sweep_s']:.2f} | {case['queries']} | "
            f"{f'{total:.2f}' if total is not None else 'not all delivered'} | {rate} | "
            f"< {target:.0f} s | {met(total, target)} |"
        )
    lines += [
        "",
        f"Exactly once: {sum(ids.values()):,} messages received, {len(ids):,} distinct "
        f"Message-IDs, {expected:,} emails written (with {warm_ids} to warm the worker up): "
        f"{'yes' if once else '**no**'}. Outbox at the end: "
        + ", ".join(f"{n:,} {status}" for status, n in sorted(statuses.items()))
        + f" ({'all sent' if all_sent else '**not all sent**'}). "
        f"SMTP connections: {sink.connections:,} in all, at most {sink.most_open} at once. "
        f"Tasks: one per chunk of up to {DELIVERY_CHUNK} emails. "
        + (f"The worker logged {len(errors)} errors." if errors else "The worker logged no error."),
        "",
        "CPU seconds used by each part from the sweep's start until the last email arrived "
        "(2 cores, so at best half of their sum on the clock):",
        "",
        "| case | " + " | ".join(ordinary["cpu"]) + " | all | ms per email |",
        "| --- | " + " | ".join("---:" for _part in ordinary["cpu"]) + " | ---: | ---: |",
        *(
            f"| {case['case']} | "
            + " | ".join(f"{seconds:.1f}" for seconds in case["cpu"].values())
            + f" | {sum(case['cpu'].values()):.1f} | "
            f"{sum(case['cpu'].values()) / max(case['emails'], 1) * 1000:.2f} |"
            for case in cases
        ),
        "",
        "## The sweep alone",
        "",
        "| case | seconds | queries | reminders | target | met |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, seconds, queries, count in (
        (
            "dry run (what would be sent)",
            dry_s,
            dry_q,
            sum(len(v) for v in dry.would_send.values()),
        ),
        (
            "first sweep of the ordinary day",
            ordinary["sweep_s"],
            ordinary["queries"],
            ordinary["reminders"],
        ),
        (
            "first sweep of the national day",
            national["sweep_s"],
            national["queries"],
            national["reminders"],
        ),
        ("the same sweep again (sends nothing)", again_s, again_q, sum(again.sent.values())),
    ):
        lines.append(
            f"| {name} | {seconds:.2f} | {queries} | {count:,} | < {SWEEP_TARGET_S:.0f} s | "
            f"{'yes' if seconds < SWEEP_TARGET_S else '**no**'} |"
        )
    lines += [
        "",
        f"Rows recorded: {ReminderSent.objects.count():,} reminders sent, "
        f"{OutboxMessage.objects.count():,} emails in the outbox.",
        "By rule, the ordinary day: "
        + ", ".join(f"{name} {count:,}" for name, count in ordinary["by_rule"].items() if count)
        + "; the national day: "
        + ", ".join(f"{name} {count:,}" for name, count in national["by_rule"].items() if count)
        + ".",
        "",
    ]
    if errors:
        lines += ["Worker errors (first 5):", "", *[f"    {line}" for line in errors[:5]], ""]
    return "\n".join(lines)


def setup(url: str) -> None:
    """This process's environment: production's (bench.pages), on `url` and the bench's Redis."""
    from bench.pages import production_environment

    os.environ.update(production_environment(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "ressursvenner.settings"
    os.environ["CELERY_BROKER_URL"] = os.environ["CACHE_URL"]
    import django

    django.setup()


def main() -> None:
    url = os.environ.get("BENCH_REMINDERS_DATABASE_URL", DEFAULT_URL)
    sys.path.insert(0, str(ROOT))
    from bench.matching import prepare_database

    prepare_database(url)
    setup(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    made = fill()
    fill_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    text = measure(made, fill_seconds)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
