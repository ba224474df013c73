"""How the measured data is spread: the distributions behind `seed_scale` and bench/.

Each function takes the caller's seeded `random.Random` and draws from it in a fixed order, so
a filler that calls them in the same order builds the same data every run. docs/performance.md
states the resulting shares; change a number here and the benchmarks mean something else.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from accounts.languages import COMMON, LANGUAGES
from common.dates import add_years
from volunteers.models import EndReason as CommitmentEnd
from volunteers.models import Status

# Association sizes: a few large city associations, many small ones. A Pareto tail (alpha 1.1)
# capped at 60 times the smallest: the largest of 340 holds about 4 % of everything.
SIZE_ALPHA = 1.1
SIZE_CAP = 60


def association_weights(rng: random.Random, count: int) -> list[float]:
    return [min(rng.paretovariate(SIZE_ALPHA), SIZE_CAP) for _ in range(count)]


def day_between(rng: random.Random, start: date, end: date) -> date:
    """A day from `start` to `end` (both included; `start` when `end` is before it)."""
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


def languages(rng: random.Random) -> list[str]:
    """Norwegian nearly always (95 %); one to three others, the common ones (accounts.languages
    COMMON) seven times in ten."""
    codes = ["no"] if rng.random() < 0.95 else []
    others = [c for c, _name in LANGUAGES if c != "no"]
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        codes.append(rng.choice(COMMON[1:]) if rng.random() < 0.7 else rng.choice(others))
    return list(dict.fromkeys(codes)) or ["en"]


def flags(rng: random.Random, bits: int, chance: float) -> int:
    """Each of `bits` bit flags set with probability `chance`."""
    return sum(1 << b for b in range(bits) if rng.random() < chance)


@dataclass
class Stage:
    """Where an applicant is in the pipeline today, and when she got there."""

    status: str
    changed: date
    approved: date | None
    interview: date | None


def volunteer_stage(rng: random.Random, applied: date, today: date) -> Stage:
    """The pipeline for an application made on `applied`.

    Younger than 30 days: applied or in screening. Otherwise 5 % applied (never handled), 5 % in
    screening, 5 % at the course, 10 % rejected, and 75 % approved 20–120 days after applying;
    of all, 8 % approved and since paused and 14 % approved and since ended.
    """
    age = (today - applied).days
    stage = rng.random()
    approved = interview = None
    if age < 30:
        status = rng.choice((Status.APPLIED, Status.SCREENING))
        changed = applied
    elif stage < 0.05:
        status, changed = Status.APPLIED, applied
    elif stage < 0.10:
        status, changed = Status.SCREENING, applied + timedelta(days=rng.randint(1, 20))
    elif stage < 0.15:
        status, changed = Status.COURSE, applied + timedelta(days=rng.randint(10, 30))
        interview = applied + timedelta(days=rng.randint(3, 10))
    elif stage < 0.25:
        status, changed = Status.REJECTED, applied + timedelta(days=rng.randint(5, 60))
        interview = applied + timedelta(days=3) if rng.random() < 0.5 else None
    else:
        approved = applied + timedelta(days=rng.randint(20, min(120, age)))
        interview = applied + timedelta(days=rng.randint(3, 15))
        status, changed = Status.APPROVED, approved
        after = stage - 0.25
        if after < 0.08:
            status = Status.PAUSED
            changed = day_between(rng, approved, today)
        elif after < 0.22:
            status = Status.ENDED
            changed = day_between(rng, approved, today)
    return Stage(status, min(changed, today), approved, interview)


@dataclass
class Period:
    starts_on: date
    ends_on: date
    ended_on: date | None = None
    end_reason: str = ""


def commitment_periods(rng: random.Random, approved: date, today: date) -> list[Period]:
    """Her years from approval: each a year long; one that is over was renewed six times in ten
    (otherwise it ended for another reason); the last one runs on."""
    periods = []
    start = approved
    while True:
        end = add_years(start, 1)
        if end > today:
            periods.append(Period(start, end))
            return periods
        renewed = rng.random() < 0.6
        reason = (
            CommitmentEnd.RENEWED
            if renewed
            else rng.choice([r for r in CommitmentEnd.values if r != CommitmentEnd.RENEWED])
        )
        periods.append(Period(start, end, end, reason))
        if not renewed:
            return periods
        start = end


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up to `total`."""
    whole = sum(weights)
    if not weights or whole <= 0:
        return [0] * len(weights)
    per = total / whole
    shares = [w * per for w in weights]
    counts = [int(s) for s in shares]
    for index in sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[index] += 1
    return counts
