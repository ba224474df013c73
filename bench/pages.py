"""Benchmark of the main pages of each role on the national data set (issue 15), against a floor.

Run with `make bench` (or `make bench-pages`, only this one; `REBUILD=1` builds the data anew).
It keeps its PostgreSQL database between runs (BENCH_SCALE_DATABASE_URL, by default
ressursvenner_bench_scale on 127.0.0.1; the name must contain "bench"): built with
`manage.py seed_scale` when it is missing or was built by another version or factor of the
seed, reused otherwise (a comment on the database records what built it).

1. Pages, in this process, through Django's test client under production settings (DEBUG off,
   bench/settings.py: the project's settings and URLs plus a trivial view), each person logged
   in with both steps passed, as a session from the login flow holds them. Each page is
   requested once to warm up, once to count its queries (and writes) and its size, then
   BENCH_PAGES_REPEAT times (15) in rounds over all pages; after every page request the trivial
   view is requested by the same person, so the floor is measured all through the run, under
   the same load. Server time is time.perf_counter() around the request (the middleware, the
   view, the template, the response; not a network). Each page is reported as a ratio of its
   median to the floor's median, which holds from one machine to another far better than
   milliseconds.
2. Throughput, when wrk is installed: gunicorn with deploy/gunicorn.conf.py and 2 workers on
   127.0.0.1, wrk in another process (1 thread, 4 connections, BENCH_WRK_SECONDS=10 s per load),
   on the trivial view, a volunteer's mix (start page, her match, her meetings, and logging a
   meeting, rotating over several volunteers), and the coordinator's start page.

Writes bench/results/pages.md and prints it. The targets are issue 15's.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.machine import describe

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "pages.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ressursvenner_bench_scale"
# Bump when seed_scale makes different data: a kept database built by another version is rebuilt.
SEED_VERSION = 2
REPEAT = int(os.environ.get("BENCH_PAGES_REPEAT", "15"))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))

# Issue 15's targets.
MAX_RATIO = 4.0
MAX_QUERIES = 15
MAX_BYTES = 100 * 1024
FLOOR_MAX_QUERIES = 3
MIN_THROUGHPUT_SHARE = 0.30


def production_environment(
    database_url: str, *, name: str = "benchmark", redis: str | None = None
) -> dict[str, str]:
    """The environment production runs with (DEBUG off, real secrets, Redis), for this process
    and gunicorn. The keys are the measurement's own (`name`), fixed, so a kept database stays
    readable."""

    def key(purpose: str) -> bytes:
        return hashlib.sha256(f"ressursvenner {name} {purpose}".encode()).digest()

    redis = redis or os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ENV_FILE": os.devnull,  # no developer's .env
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "SECRET_KEY": base64.urlsafe_b64encode(key("secret key") * 2).decode(),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(key("field key")).decode(),
        "AUDIT_LOG_KEYS": key("access log key").hex(),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "EMAIL_URL": "smtp://127.0.0.1:25",  # nothing is sent: no worker runs
        "CELERY_BROKER_URL": redis,
        "CACHE_URL": redis,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }


# --- The kept database ---------------------------------------------------------------------


def _maintenance(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


def database_state(url: str) -> str | None:
    """The comment seed_scale's run left on the database, "" without one, None when missing."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_maintenance(url), autocommit=True) as connection:
        row = connection.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
            "WHERE datname = %s",
            [name],
        ).fetchone()
    return None if row is None else row[0]


def recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")
    with psycopg.connect(_maintenance(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def mark_database(url: str, text: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_maintenance(url), autocommit=True) as connection:
        connection.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(text))
        )


def ensure_data(url: str, factor: float, *, rebuild: bool) -> str:
    """Build the data set if it is missing or stale; returns what built it."""
    from django.core.management import call_command

    wanted = f"seed_scale v{SEED_VERSION} factor {factor:g}"
    state = database_state(url)
    if not rebuild and state and state.startswith(wanted + ";"):
        print(f"Reusing the data set ({state}).", flush=True)
        call_command("migrate", verbosity=0)
        return state
    why = "asked to" if rebuild else ("missing" if state is None else "built by another seed")
    print(f"Building the data set ({why}): migrate, seed_scale --factor {factor:g}…", flush=True)
    recreate_database(url)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_scale", factor=factor)
    seconds = time.perf_counter() - started
    text = f"{wanted}; seeded {datetime.now():%Y-%m-%d %H:%M} in {seconds:.0f} s"
    mark_database(url, text)
    return text


# --- Who is logged in, and what they look at -------------------------------------------------


@dataclass
class Cast:
    coordinator: object
    admin: object
    staff: object
    volunteer: object
    volunteers: list  # several, for the load
    paths: dict[str, str] = field(default_factory=dict)


def cast() -> Cast:
    """The people and records the pages show: the coordinator of the largest association (by
    approved volunteers, among those with a referral waiting), staff of the shelter with the most
    open referrals, and a volunteer of that association with one running match, started 3–9
    months ago, a meeting in the last two weeks and a typical number of meetings (the nearest
    to that on a small data set)."""
    from django.db.models import Count, Exists, Max, OuterRef, Q
    from django.utils import timezone

    from accounts.models import Association, Membership, Role, Shelter
    from courses.models import Session
    from matching.models import CLOSED, WAITING, Match, MatchStatus, Referral

    def member(**filters):
        found = Membership.objects.active().filter(**filters).select_related("user")
        return found.order_by("pk").first().user

    today = timezone.localdate()
    largest = (
        Association.objects.filter(is_active=True)
        .filter(
            Exists(Referral.objects.filter(association=OuterRef("pk"), status__in=WAITING)),
            Exists(
                Match.objects.filter(
                    referral__association=OuterRef("pk"), status=MatchStatus.ACTIVE
                )
            ),
        )
        .annotate(approved=Count("volunteers", filter=Q(volunteers__status="approved")))
        .order_by("-approved", "pk")
        .first()
    )
    shelter = (
        Shelter.objects.annotate(open=Count("referrals", filter=~Q(referrals__status__in=CLOSED)))
        .order_by("-open", "pk")
        .first()
    )
    open_matches = dict(
        Match.objects.open()
        .values("volunteer")
        .annotate(n=Count("id"))
        .values_list("volunteer", "n")
    )
    running = [
        m
        for m in Match.objects.filter(status=MatchStatus.ACTIVE, volunteer__user__is_active=True)
        .annotate(meetings_count=Count("meetings"), last=Max("meetings__date"))
        .select_related("volunteer__user", "referral")
        .order_by("meetings_count", "pk")
        if open_matches.get(m.volunteer_id) == 1
    ]

    def typical(m) -> bool:
        return (
            today - _days(270) <= m.started_on <= today - _days(90)
            and m.last is not None
            and m.last >= today - _days(14)
        )

    mine = [m for m in running if m.referral.association_id == largest.pk]
    chosen = [m for m in mine if typical(m)] or mine
    her = chosen[len(chosen) // 2]
    others = [m for m in running if m.pk != her.pk and typical(m)] or [
        m for m in running if m.pk != her.pk
    ]
    others = others[:: max(1, len(others) // 11)][:11]
    waiting = (
        Referral.objects.filter(association=largest, status__in=WAITING)
        .order_by("created_at")
        .first()
    )
    matches = [m for m in running if m.referral.association_id == largest.pk] or mine
    session = (
        Session.objects.filter(association=largest)
        .annotate(n=Count("enrolments"), held=Q(starts_at__lt=timezone.now()))
        .order_by("-held", "-n", "pk")
        .first()
    )
    shelters_referral = (
        Referral.objects.filter(shelter=shelter)
        .exclude(status__in=CLOSED)
        .order_by("created_at")
        .first()
    )
    people = Cast(
        coordinator=member(role=Role.COORDINATOR, association=largest),
        admin=member(role=Role.NATIONAL_ADMIN),
        staff=member(role=Role.SHELTER_STAFF, shelter=shelter),
        volunteer=her.volunteer.user,
        volunteers=[her.volunteer.user, *(m.volunteer.user for m in others)],
    )
    people.paths = {
        "referral": f"/henvisninger/{waiting.public_id}/",
        "suggestions": f"/henvisninger/{waiting.public_id}/forslag/",
        "match": f"/koblinger/{matches[len(matches) // 2].public_id}/",
        "session": f"/kurs/okter/{session.public_id}/",
        "shelter_referral": f"/henvisninger/{shelters_referral.public_id}/",
        "association": largest.name,
        "shelter": shelter.name,
        "meetings": str(her.meetings_count),
    }
    return people


def _days(n: int):
    from datetime import timedelta

    return timedelta(days=n)


def session_key(user) -> str:
    """A session as the login flow leaves it: logged in, both steps passed."""
    from importlib import import_module

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = time.time()
    store[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    store[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    store.create()
    return store.session_key


def client_for(user, keys: list[str]):
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    key = session_key(user)
    keys.append(key)
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


# --- Pages ---------------------------------------------------------------------------------


@dataclass
class Page:
    role: str
    name: str
    path: str
    method: str = "GET"
    data: dict | None = None
    status: int = 200
    times: list[float] = field(default_factory=list)
    queries: int = 0
    writes: int = 0
    size: int = 0


def pages(people: Cast) -> list[tuple[str, Page]]:
    """(who, page) for every main page of each role."""
    from django.utils import timezone

    p = people.paths
    meeting = {
        "day": timezone.localdate().isoformat(),
        "met": "yes",
        "duration": "60",
        "activities": ["1"],
        "note": "",
        "concern": "",
    }
    c, a, s, v = "coordinator", "national admin", "shelter staff", "volunteer"
    return [
        (c, Page(c, "start page", "/")),
        (c, Page(c, "referral queue", "/henvisninger/")),
        (c, Page(c, "referrals waiting", "/henvisninger/?vis=venter")),
        (c, Page(c, "referrals closed", "/henvisninger/?vis=avsluttet")),
        (c, Page(c, "a referral", p["referral"])),
        (c, Page(c, "suggestions", p["suggestions"])),
        (c, Page(c, "batch proposal", "/koblinger/forslag/")),
        (c, Page(c, "match list", "/koblinger/")),
        (c, Page(c, "a match", p["match"])),
        (c, Page(c, "volunteer list, approved", "/frivillige/?status=approved")),
        (c, Page(c, "applications", "/frivillige/?status=applied")),
        (c, Page(c, "course sessions", "/kurs/")),
        (c, Page(c, "a course session", p["session"])),
        (c, Page(c, "notifications", "/varsler/")),
        (c, Page(c, "statistics", "/statistikk/")),
        (c, Page(c, "statistics CSV (monthly)", "/statistikk/eksport/monthly.csv")),
        (a, Page(a, "start page", "/")),
        (a, Page(a, "national statistics", "/statistikk/")),
        (a, Page(a, "statistics CSV (associations)", "/statistikk/eksport/associations.csv")),
        (s, Page(s, "start page", "/")),
        (s, Page(s, "referral list", "/henvisninger/")),
        (s, Page(s, "a referral", p["shelter_referral"])),
        (v, Page(v, "start page", "/min-side/")),
        (v, Page(v, "her match", "/min-side/kobling/")),
        (v, Page(v, "her meetings", "/min-side/moter/")),
        (v, Page(v, "meeting form", "/min-side/moter/ny/")),
        (v, Page(v, "a meeting logged (POST)", "/min-side/moter/ny/", "POST", meeting, 302)),
    ]


def ask(client, page: Page):
    if page.method == "POST":
        response = client.post(page.path, page.data, secure=True)
    else:
        response = client.get(page.path, secure=True)
    if response.status_code != page.status:
        raise SystemExit(
            f"{page.role}: {page.name} ({page.method} {page.path}) answered "
            f"{response.status_code}, expected {page.status}"
        )
    return response


WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def count(client, page: Page) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # a request empties the log when it starts: begin from empty
    with CaptureQueriesContext(connection) as queries:
        response = ask(client, page)
    page.queries = len(queries)
    page.writes = sum(bool(WRITE.match(q["sql"])) for q in queries.captured_queries)
    page.size = len(response.content)


def timed(client, page: Page) -> float:
    start = time.perf_counter()
    ask(client, page)
    return (time.perf_counter() - start) * 1000


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]


def measure_pages(people: Cast, keys: list[str]) -> tuple[Page, list[Page]]:
    clients = {
        "coordinator": client_for(people.coordinator, keys),
        "national admin": client_for(people.admin, keys),
        "shelter staff": client_for(people.staff, keys),
        "volunteer": client_for(people.volunteer, keys),
    }
    floor = Page("every role", "trivial view (floor)", "/bench/floor/")
    plan = pages(people)
    for who, page in plan:
        ask(clients[who], page)  # warm up
        ask(clients[who], floor)
        count(clients[who], page)
    count(clients["coordinator"], floor)
    for round_ in range(REPEAT):
        print(f"  round {round_ + 1}/{REPEAT}", flush=True)
        for who, page in plan:
            page.times.append(timed(clients[who], page))
            floor.times.append(timed(clients[who], floor))
    return floor, [page for _who, page in plan]


# --- Throughput ----------------------------------------------------------------------------

LUA = """
local sessions = {%(sessions)s}
local paths = {%(paths)s}
local csrf = "%(csrf)s"
local body = "%(body)s&csrfmiddlewaretoken=" .. csrf
local n = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function request()
  n = n + 1
  local session = sessions[(math.floor(n / #paths) %% #sessions) + 1]
  local path = paths[(n %% #paths) + 1]
  local headers = {
    ["Host"] = "localhost",
    ["X-Forwarded-Proto"] = "https",
    ["Cookie"] = "%(session_cookie)s=" .. session .. "; %(csrf_cookie)s=" .. csrf,
  }
  if path == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Origin"] = "https://localhost"
    headers["Referer"] = "https://localhost%(post)s"
    return wrk.format("POST", "%(post)s", headers, body)
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("status %%d %%d\\n", status, count))
    end
  end
end
"""


@dataclass
class Load:
    name: str
    rate: float = 0.0
    requests: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    p50: str = ""
    p99: str = ""
    note: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - our own server, on loopback
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def run_wrk(wrk: str, base: str, name: str, script: str, ok: set[int]) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(  # noqa: S603 - our own command line
            [wrk, "-t1", "-c4", f"-d{WRK_SECONDS}s", "--latency", "-s", handle.name, base + "/"],
            capture_output=True,
            text=True,
            timeout=WRK_SECONDS + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    load = Load(name)
    load.rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    load.requests = int(re.search(r"(\d+) requests in", output).group(1))
    load.statuses = {int(s): int(n) for s, n in re.findall(r"^status (\d+) (\d+)$", output, re.M)}
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    load.errors = sum(n for s, n in load.statuses.items() if s not in ok)
    if socket_errors:
        load.errors += sum(int(x) for x in socket_errors.groups())
    for label, attr in (("50%", "p50"), ("99%", "p99")):
        found = re.search(rf"^\s+{label}\s+(\S+)", output, re.M)
        setattr(load, attr, found.group(1) if found else "")
    return load


def measure_throughput(
    people: Cast, keys: list[str], environment: dict[str, str]
) -> tuple[list[Load], str]:
    from django.conf import settings
    from django.utils import timezone

    from matching.models import Meeting

    wrk = shutil.which("wrk")
    if wrk is None:
        return [], "skipped: wrk is not installed (`apt-get install -y wrk`)"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            str(gunicorn),
            "--config",
            "deploy/gunicorn.conf.py",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--max-requests",
            "0",
            "ressursvenner.wsgi",
        ],
        cwd=ROOT,
        env={**os.environ, **environment, "GUNICORN_LOG_LEVEL": "warning"},
        start_new_session=True,
    )
    started = timezone.now()
    try:
        wait_for(base + "/helse/web/")
        volunteers = [session_key(user) for user in people.volunteers]
        coordinator = session_key(people.coordinator)
        keys += [*volunteers, coordinator]
        csrf = hashlib.sha256(b"bench csrf").hexdigest()[:32]
        body = urlencode(
            {
                "day": timezone.localdate().isoformat(),
                "met": "yes",
                "duration": "60",
                "activities": "1",
                "note": "",
                "concern": "",
            }
        )

        def script(sessions: list[str], paths: list[str]) -> str:
            return LUA % {
                "sessions": ", ".join(f'"{s}"' for s in sessions),
                "paths": ", ".join(f'"{p}"' for p in paths),
                "csrf": csrf,
                "body": body,
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
                "post": "/min-side/moter/ny/",
            }

        loads = []
        for name, sessions, paths in (
            ("trivial view (volunteers' sessions)", volunteers, ["/bench/floor/"]),
            (
                "volunteer's pages: start page, her match, her meetings, a meeting logged (POST)",
                volunteers,
                ["/min-side/", "/min-side/kobling/", "/min-side/moter/", "POST"],
            ),
            ("coordinator's start page", [coordinator], ["/"]),
        ):
            print(f"  wrk {WRK_SECONDS} s: {name}…", flush=True)
            loads.append(run_wrk(wrk, base, name, script(sessions, paths), {200, 302}))
        logged = Meeting.objects.filter(
            created_at__gte=started, created_by__in=people.volunteers
        ).count()
        loads[1].note = f"{logged:,} meetings logged"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    return loads, ""


# --- Report --------------------------------------------------------------------------------


def machine() -> str:
    return describe(load_note="at the end")


def verdict(page: Page, floor_median: float) -> list[str]:
    missed = []
    ratio = statistics.median(page.times) / floor_median
    if ratio > MAX_RATIO:
        missed.append(f"{ratio:.1f}× > {MAX_RATIO:g}×")
    if page.queries > MAX_QUERIES:
        missed.append(f"{page.queries} queries > {MAX_QUERIES}")
    if page.size > MAX_BYTES:
        missed.append(f"{page.size / 1024:.0f} KB > 100 KB")
    return missed


def render(
    floor: Page, measured: list[Page], loads: list[Load], load_note: str, context: dict
) -> str:
    base = statistics.median(floor.times)
    lines = [
        "# Page benchmark: latest results",
        "",
        f"Measured {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} by `python -m bench.pages` "
        f"({context['seconds']:.0f} s in all) on {context['machine']}.",
        "",
        f"Data: `manage.py seed_scale --factor {context['factor']:g}` ({context['built']}). "
        f"Logged in: the coordinator of the largest association ({context['association']}), "
        f"staff of the shelter with the most open referrals ({context['shelter']}), a national "
        f"admin, and a volunteer there with one running match ({context['meetings']} meetings).",
        "",
        f"Server time in milliseconds through Django's test client under production settings, "
        f"median and 95th percentile of {REPEAT} requests; × floor is the median over the "
        f"trivial view's median ({base:.1f} ms, {len(floor.times)} requests spread over the run). "
        "Queries and writes (INSERT/UPDATE/DELETE) are counted on one request. Targets: median "
        f"at most {MAX_RATIO:g}× the floor, at most {MAX_QUERIES} queries, at most 100 KB; the "
        f"floor at most {FLOOR_MAX_QUERIES} queries and no write.",
        "",
        "| role | page | queries | writes | KB | median ms | p95 ms | × floor | targets |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    floor_missed = []
    if floor.queries > FLOOR_MAX_QUERIES:
        floor_missed.append(f"{floor.queries} queries > {FLOOR_MAX_QUERIES}")
    if floor.writes:
        floor_missed.append(f"{floor.writes} write(s)")
    lines.append(
        f"| {floor.role} | {floor.name} | {floor.queries} | {floor.writes} | "
        f"{floor.size / 1024:.1f} | {base:.1f} | {p95(floor.times):.1f} | 1.0 | "
        f"{'met' if not floor_missed else '**missed:** ' + ', '.join(floor_missed)} |"
    )
    met = 0
    for page in measured:
        missed = verdict(page, base)
        met += not missed
        median = statistics.median(page.times)
        lines.append(
            f"| {page.role} | {page.name} | {page.queries} | {page.writes} | "
            f"{page.size / 1024:.1f} | {median:.1f} | {p95(page.times):.1f} | {median / base:.1f} | "
            f"{'met' if not missed else '**missed:** ' + ', '.join(missed)} |"
        )
    lines += [
        "",
        f"{met} of {len(measured)} pages meet all three targets; the floor "
        f"{'meets' if not floor_missed else 'misses'} its own.",
        "",
    ]
    lines += ["## Throughput", ""]
    if not loads:
        lines += [f"Throughput {load_note}.", ""]
        return "\n".join(lines)
    trivial = loads[0].rate
    lines += [
        f"gunicorn (deploy/gunicorn.conf.py, 2 sync workers, no worker recycling) on 127.0.0.1, "
        f"wrk in another process: 1 thread, 4 connections, {WRK_SECONDS} s per load. An error is "
        "a socket error or an answer other than 200 (a page) or 302 (a meeting logged). Target: "
        f"the volunteer's pages at least {MIN_THROUGHPUT_SHARE:.0%} of the trivial view's rate, "
        "no error.",
        "",
        "| load | requests/s | requests | errors | of trivial | p50 | p99 | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for index, load in enumerate(loads):
        share = load.rate / trivial if trivial else 0
        if index == 1:
            ok = share >= MIN_THROUGHPUT_SHARE and load.errors == 0
            target = "met" if ok else "**missed**"
        else:
            target = "–" if load.errors == 0 else "**errors**"
        note = f" ({load.note})" if load.note else ""
        lines.append(
            f"| {load.name}{note} | {load.rate:.1f} | {load.requests:,} | {load.errors} | "
            f"{share:.0%} | {load.p50} | {load.p99} | {target} |"
        )
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    args = sys.argv[1:]
    rebuild = "--rebuild" in args or os.environ.get("BENCH_SCALE_REBUILD") == "1"
    factor = float(os.environ.get("BENCH_SCALE_FACTOR", "1"))
    for arg in args:
        if arg.startswith("--factor="):
            factor = float(arg.split("=", 1)[1])
    url = os.environ.get("BENCH_SCALE_DATABASE_URL", DEFAULT_URL)
    environment = production_environment(url)
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    started = time.perf_counter()
    if "bench" not in urlsplit(url).path:
        sys.exit("The page benchmark's database name must contain 'bench'.")

    import django

    django.setup()
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.utils import timezone

    from matching.models import Meeting

    built = ensure_data(url, factor, rebuild=rebuild)
    call_command("collectstatic", interactive=False, verbosity=0)
    people = cast()
    keys: list[str] = []
    began = timezone.now()
    try:
        print(f"Pages: {REPEAT} rounds…", flush=True)
        floor, measured = measure_pages(people, keys)
        print("Throughput…", flush=True)
        loads, note = measure_throughput(people, keys, environment)
    finally:
        # Leave the data set as it was: the meetings logged and the sessions made here go.
        Meeting.objects.filter(created_at__gte=began, created_by__in=people.volunteers).delete()
        Session.objects.filter(session_key__in=keys).delete()
    report = render(
        floor,
        measured,
        loads,
        note,
        {
            "seconds": time.perf_counter() - started,
            "machine": machine(),
            "factor": factor,
            "built": built,
            "association": people.paths["association"],
            "shelter": people.paths["shelter"],
            "meetings": people.paths["meetings"],
        },
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print()
    print(report)
    print(f"Written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
