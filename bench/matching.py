"""Benchmark of the matching: suggestions for one referral and the batch proposal.

Run with `make bench` (not part of `make test`). It drops, creates, migrates and fills its own
PostgreSQL database (BENCH_DATABASE_URL, by default ressursvenner_bench on 127.0.0.1), measures
server time (time.perf_counter around the Python call; several repetitions, median and max)
and the number of queries, prints a markdown table and writes it to bench/results/latest.md.

Targets (from the issues): suggestions for one referral with 20,000 approved volunteers in the
database under 100 ms, also with all of them in her association (the worst case); the batch
proposal for 500 referrals against 5,000 volunteers under 1 s.
The data is described in bench/fill.py and docs/benchmarks.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.machine import describe

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ressursvenner_bench"


def prepare_database(url: str) -> None:
    """Drop and create the benchmark database. Refuses any database not named *bench*."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")
    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _backend_cpu_ms(connection) -> float | None:
    """CPU time used so far by this connection's PostgreSQL backend (user and system, ms), when
    the server runs on this machine (read from /proc); None otherwise."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(call: Callable[[], object], *, repeat: int, warmup: int = 1) -> dict:
    """Median and max milliseconds of `repeat` calls after `warmup`, the query count, and the CPU
    time per call of this process and of the database backend (less sensitive than the clock to
    other work on a shared machine, which delays both but does not add to their CPU time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        call()
    with CaptureQueriesContext(connection) as queries:
        call()
    times = []
    cpu, backend = time.process_time(), _backend_cpu_ms(connection)
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    cpu, backend_after = (time.process_time() - cpu) * 1000 / repeat, _backend_cpu_ms(connection)
    return {
        "median": statistics.median(times),
        "max": max(times),
        "queries": len(queries),
        "repeat": repeat,
        "cpu": cpu,
        "backend": None if backend is None else (backend_after - backend) / repeat,
    }


def phases(association, *, repeat: int = 5) -> list[tuple[str, float]]:
    """Where the batch proposal's time goes: each step's median over `repeat` runs (ms)."""
    runs = [_phases_once(association) for _ in range(repeat)]
    return [
        (name, statistics.median(run[i][1] for run in runs))
        for i, (name, _ms) in enumerate(runs[0])
    ]


def _phases_once(association) -> list[tuple[str, float]]:
    from matching import batch, scoring
    from matching.models import MatchingWeights
    from volunteers.models import Volunteer

    result = []

    def step(name, call):
        start = time.perf_counter()
        value = call()
        result.append((name, (time.perf_counter() - start) * 1000))
        return value

    weights = step("weights", MatchingWeights.current)
    referrals = step("waiting referrals", lambda: batch.waiting_referrals(association))
    refs = step("load_referrals", lambda: scoring.load_referrals(referrals))
    cands = step(
        "load_candidates",
        lambda: scoring.load_candidates(
            [association.pk], include_paused=False, language_codes=refs.language_codes
        ),
    )
    allowed = step("rules", lambda: scoring.rules(refs, cands) == scoring.RULE_OK)
    score_parts = step("parts", lambda: scoring.parts(refs, cands))
    scores = step(
        "total", lambda: scoring.total(score_parts, scoring.effective_weights(refs, weights))
    )
    optimal = step(
        "optimal assignment", lambda: batch.optimal_assignment(scores, allowed, cands.free_places)
    )
    greedy = step(
        "greedy assignment",
        lambda: batch.greedy_assignment(scores, allowed, cands.free_places, batch.tie_rank(cands)),
    )
    wanted = {int(cands.ids[i]) for i in (*optimal, *greedy) if i >= 0}
    step(
        "volunteers shown (one query)",
        lambda: (
            Volunteer.objects.select_related("municipality")
            .defer(*scoring.LIST_DEFERRED)
            .in_bulk(wanted)
        ),
    )
    return result


def machine() -> str:
    import numpy
    import scipy

    return describe(
        load_note="when it finished: other work on the machine makes the figures noisy",
        versions=f"numpy {numpy.__version__}, scipy {scipy.__version__}, ",
    )


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ressursvenner.settings")
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    prepare_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import translation

    from bench.fill import fill, gather_in_one_association
    from matching import batch, scoring
    from matching.models import Referral
    from matching.views.referrals import EXCLUDED_SHOWN

    translation.activate("nb")
    print(f"Database {urlsplit(url).path.lstrip('/')}: migrating…", flush=True)
    call_command("migrate", verbosity=0)
    print("Filling…", flush=True)
    t = time.perf_counter()
    filled = fill()
    fill_seconds = time.perf_counter() - t
    from django.db import connection

    # Fresh statistics, as a live database would have (autovacuum); not timed.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"  {filled.volunteers} volunteers ({filled.approved} approved), {filled.waiting} waiting"
        f" referrals in {fill_seconds:.1f} s"
    )

    first = filled.associations[0]
    referrals = {"typical": filled.typical, "special": filled.special}

    def suggestion(kind: str):
        # As the suggestion page asks: a referral loaded with its municipality, her association
        # and those within the neighbour distance.
        referral = Referral.objects.select_related("municipality").get(pk=referrals[kind].pk)
        return scoring.suggest(referral, neighbours_km=settings.MATCHING_NEIGHBOUR_KM)

    def suggestion_rows(where: str) -> list:
        loaded = len(scoring.load_candidates([first.pk]))
        result = []
        for kind, text in (
            ("typical", "a typical referral (Norwegian, no special considerations)"),
            ("special", "a demanding referral (Somali, honour-related violence, avoid list)"),
        ):
            excluded = len(suggestion(kind).excluded)
            result.append(
                (
                    f"suggest(): {text}; {where}",
                    f"{loaded:,} ({excluded:,} excluded)",
                    measure(lambda kind=kind: suggestion(kind), repeat=30, warmup=3),
                    100,
                )
            )
        return result

    everyone = f"{filled.volunteers:,} volunteers ({filled.approved:,} approved)"
    print(f"Suggestions ({everyone} in four associations)…", flush=True)
    rows = suggestion_rows(f"{everyone} in 4 associations")

    print("Batch proposal (500 referrals, 5,000 volunteers)…", flush=True)
    batch_result = batch.batch_proposal(first)
    rows.append(
        (
            f"batch_proposal(): {len(batch_result.rows)} waiting referrals of one association",
            f"{len(scoring.load_candidates([first.pk], include_paused=False)):,} approved",
            measure(lambda: batch.batch_proposal(first), repeat=5),
            1000,
        )
    )
    batch_phases = phases(first)

    print(f"Suggestions, worst case (all {everyone} in one association)…", flush=True)
    gather_in_one_association(first)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE volunteers_volunteer")
    rows += suggestion_rows(f"worst case: all {everyone} in her association")

    def suggestion_page(kind: str):
        # What the suggestion page reads: the suggestions, the count per rule and the first
        # EXCLUDED_SHOWN excluded volunteers by name.
        result = suggestion(kind)
        counts = [(scoring.rule_text(rule), n) for rule, n in result.excluded.by_rule.items()]
        return counts, [(e.volunteer.full_name, e.reason) for e in result.excluded[:EXCLUDED_SHOWN]]

    for kind, text in (("typical", "the typical referral"), ("special", "the demanding referral")):
        rows.append(
            (
                f"suggest() and the first {EXCLUDED_SHOWN} excluded volunteers by name, as the "
                f"suggestion page shows them ({text}, worst case)",
                f"{filled.volunteers:,} ({len(suggestion(kind).excluded):,} excluded)",
                measure(lambda kind=kind: suggestion_page(kind), repeat=30, warmup=3),
                None,
            )
        )

    def listing_exclusions():
        return [exclusion.reason for exclusion in suggestion("typical").excluded]

    rows.append(
        (
            "suggest() and then reading every excluded volunteer (the typical referral, worst case)",
            f"{filled.volunteers:,}",
            measure(listing_exclusions, repeat=5, warmup=1),
            None,
        )
    )
    best = suggestion("typical").suggestions[0].volunteer

    def check_pair():
        referral = Referral.objects.select_related("municipality").get(pk=filled.typical.pk)
        return scoring.eligible_score(referral, best)

    rows.append(
        (
            "eligible_score(): one pair, as match_propose() checks it (worst case)",
            "1",
            measure(check_pair, repeat=30, warmup=3),
            None,
        )
    )

    report = render(rows, batch_phases, batch_result, machine(), time.perf_counter() - started)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print()
    print(report)
    print(f"Written to {RESULTS.relative_to(ROOT)}")
    missed = [case for case, _s, figures, target in rows if target and figures["median"] > target]
    for case in missed:
        print(f"TARGET MISSED: {case}")


def render(rows, batch_phases, proposal, machine_text: str, seconds: float) -> str:
    lines = [
        "# Matching benchmark: latest results",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} by `make bench` ({seconds:.0f} s in all) on "
        f"{machine_text}.",
        "",
        "Server time of the Python call (time.perf_counter), in milliseconds; queries counted "
        "with CaptureQueriesContext; CPU time per call of this process and of its PostgreSQL "
        "backend (from /proc, in steps of 10 ms over all the runs; ? when the server is not on "
        "this machine).",
        "",
        "| case | volunteers loaded | queries | median ms | max ms | CPU ms: Python + database "
        "| runs | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for case, size, figures, target in rows:
        met = "–" if target is None else ("yes" if figures["median"] <= target else "**no**")
        backend = "?" if figures["backend"] is None else f"{figures['backend']:.0f}"
        lines.append(
            f"| {case} | {size} | {figures['queries']} | {figures['median']:.1f} "
            f"| {figures['max']:.1f} | {figures['cpu']:.0f} + {backend} | {figures['repeat']} | "
            f"{'–' if target is None else f'< {target:,} ms'} | {met} |"
        )
    lines += [
        "",
        "Where the batch proposal's time goes (median of 5 runs, ms; the steps of batch_proposal()"
        " called one by one):",
        "",
        "| step | ms |",
        "| --- | ---: |",
        *(f"| {name} | {ms:.1f} |" for name, ms in batch_phases),
        "",
        f"Batch outcome: {proposal.matched} of {len(proposal.rows)} referrals get a volunteer "
        f"(greedy: {proposal.greedy_matched}); total score {proposal.total:,.0f} "
        f"(greedy: {proposal.greedy_total:,.0f}); {proposal.differences} rows differ from greedy.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
