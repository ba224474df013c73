"""Who may be matched with a referral, and how well: hard rules and an explained score.

Everything is computed on whole columns with numpy: a referral against every candidate at
once (the suggestion page), or every waiting referral against every candidate (the batch
proposal). The database is asked a fixed number of questions, whatever the number of
volunteers: the active courses, the volunteers, the facts about them kept in other tables
(completed courses, running commitments, languages, open and ended matches: one query on
PostgreSQL) and the municipalities' centres; for the referrals their avoid lists, languages
and earlier pairings.

Speed (see docs/benchmarks.md): what costs is reading thousands of rows, so each volunteer is
one row of numbers (a date or time read as a number), and on PostgreSQL each column of those
numbers arrives packed in one string of bytes that numpy reads without a Python object per
value (_matrices()). The facts are pairs (her id, a number) combined here rather than joined
in the database, which costs it more. In the batch a part of the score that depends on one of
her values (municipality, languages, strengths, times, age) is computed once per distinct value
and spread to every volunteer with that value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Collate, Greatest, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.languages import LANGUAGES, language_name
from accounts.models import Municipality
from courses.models import NEEDS_SPECIALISATION, Course, Enrolment
from courses.selectors import completion_condition, required_courses, specialisation_courses
from matching.models import (
    AGE_RANGES,
    OPEN_MATCH,
    Match,
    MatchingWeights,
    MatchStatus,
    Referral,
    ReferralLanguage,
    match_planned_end,
)
from supervision.selectors import last_supervision_subquery
from volunteers.models import (
    NEEDS,
    Availability,
    CommitmentPeriod,
    Status,
    Volunteer,
    VolunteerLanguage,
)
from volunteers.models import (
    EndReason as CommitmentEndReason,
)
from volunteers.selectors import confidentiality_overdue

# Near is better, but a neighbouring municipality is not punished: full marks up to
# DISTANCE_FLOOR_KM, falling to nothing at DISTANCE_ZERO_KM.
DISTANCE_FLOOR_KM = 15.0
DISTANCE_ZERO_KM = 100.0
# Waiting since approval or the last match counts fully after this many days (fairness).
WAITING_FULL_DAYS = 180
# Experience counts fully from this many completed matches.
EXPERIENCE_FULL = 3

# The hard rules, in the order they are checked; the first that fails is shown.
RULE_OK = 0
RULE_PAUSED = 1
RULE_COURSES = 2
RULE_COMMITMENT = 3
RULE_CAPACITY = 4
RULE_AVOID = 5
RULE_SPECIALISATION = 6
RULE_EARLIER_PAIRING = 7
# Checked last: her commitment ends before the planned year of a match proposed today
# (models.match_planned_end). The coordinator may renew it, or confirm a shorter match on
# purpose; a volunteer who fails another rule too is shown with that rule.
RULE_COMMITMENT_SHORT = 8
# Has not signed a new version of the confidentiality declaration within
# settings.CONFIDENTIALITY_SIGN_DAYS (volunteers.selectors.confidentiality_overdue); checked
# after the running commitment, before her capacity.
RULE_CONFIDENTIALITY = 9


def rule_text(rule: int) -> str:
    return {
        RULE_PAUSED: _("Paused, or not approved"),
        RULE_COURSES: _("Has not completed every required course"),
        RULE_COMMITMENT: _("Has no commitment period running"),
        RULE_CAPACITY: _("Has no free place (capacity reached)"),
        RULE_AVOID: _("Lives in a municipality to avoid"),
        RULE_SPECIALISATION: _("Lacks the specialisation course her situation calls for"),
        RULE_EARLIER_PAIRING: _(
            "An earlier proposal with this referral was declined, cancelled or broken off"
        ),
        RULE_COMMITMENT_SHORT: _("Her commitment ends before the match's planned year"),
        RULE_CONFIDENTIALITY: _("Has not signed the new confidentiality declaration in time"),
    }[rule]


_LANGUAGE_BIT = {code: 1 << index for index, (code, _name) in enumerate(LANGUAGES)}


def language_bit(code: str) -> int:
    return _LANGUAGE_BIT.get(code, 0)


def language_mask(codes) -> int:
    mask = 0
    for code in codes:
        mask |= language_bit(code)
    return mask


def _popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values).astype(np.int64)


class _EpochSeconds(Func):
    """Seconds since 1970 of a date and time, as a float: a number is read from the database
    many times faster than a datetime, which counts with 20,000 rows."""

    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM %(expressions)s)"

    def as_postgresql(self, compiler, connection, **extra):
        # date_part() gives a double precision; EXTRACT() a slower numeric.
        return self.as_sql(compiler, connection, template="date_part('epoch', %(expressions)s)")

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        )


class _EpochDays(Func):
    """Days since 1970 of a date, as an integer (read faster than a date)."""

    output_field = IntegerField()
    template = "(%(expressions)s - DATE '1970-01-01')"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
        )


class _AmongIds(Func):
    """`column` is one of `ids`: on PostgreSQL one array parameter (`= ANY`), which it plans
    in a fraction of the time an IN list of a thousand numbers takes, and looks up through the
    column's index; elsewhere an IN list."""

    output_field = BooleanField()

    def __init__(self, column: str, ids: Iterable[int]):
        super().__init__(F(column))
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, self.ids]
        if not self.ids:
            return "1 = 0", params
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", [*params, *self.ids]


def _as_dates(values: np.ndarray) -> np.ndarray:
    """Days since 1970 (nan: no date) as numpy dates (NaT: no date)."""
    dates = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    known = ~np.isnan(values)
    dates[known] = values[known].astype(np.int64)
    return dates


# How _matrices() has PostgreSQL send a column: the SQL type and how numpy reads it. A number
# that does not fit (an id beyond int8, a small number beyond int2) is an error in the
# database, never a wrong number; NULL is nan for "float8" and an error for the others.
_PACKING = {"int8": ">i8", "int4": ">i4", "int2": ">i2", "float8": ">f8"}


def _matrix(queryset, types: Sequence[str]) -> np.ndarray:
    """The rows of a values_list() of numbers (booleans as 0 or 1) as one float array (NULL:
    nan), its columns in the order asked for (as Django 5.2 selects them). `types` are the
    columns' types (_PACKING): what PostgreSQL sends, short where a number is small."""
    return _matrices([(queryset, types)])[0]


def _matrices(asked: Sequence[tuple[QuerySet | None, Sequence[str]]]) -> list[np.ndarray]:
    """_matrix() of each (queryset, types) (a queryset None: no rows), in one query on
    PostgreSQL, however many they are.

    With 20,000 rows this is what costs, so no Python object is made per row or value. On
    PostgreSQL the database packs each column into one string of bytes (see _packed()), which
    numpy reads as it is; elsewhere the rows of each queryset are fetched and turned into one
    array, without Django's per-row converters.
    """
    result = [np.zeros((0, len(types))) for _queryset, types in asked]
    compiled = {}
    for index, (queryset, _types) in enumerate(asked):
        if queryset is None:
            continue
        try:
            compiled[index] = queryset.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # e.g. asked about no languages at all
            continue
    if not compiled:
        return result
    connection = connections[next(q.db for q, _types in asked if q is not None)]
    if connection.vendor != "postgresql":
        for index, (sql, params) in compiled.items():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            width = len(asked[index][1])
            result[index] = np.array(rows, dtype=np.float64).reshape(len(rows), width)
        return result
    width = max(len(types) for _queryset, types in asked)
    sql = " UNION ALL ".join(
        _packed(index, sql, asked[index][1], width) for index, (sql, _params) in compiled.items()
    )
    serial = not connection.settings_dict["OPTIONS"].get("server_side_binding")
    with connection.cursor() as cursor:
        cursor.execute(
            (_SERIAL if serial else "") + sql,
            [param for _sql, params in compiled.values() for param in params],
        )
        if cursor.description is None:  # the SET's result; the rows are the next
            cursor.nextset()
        packed = cursor.fetchall()
    for index, count, *columns in packed:
        types = asked[index][1]
        matrix = result[index] = np.empty((count, len(types)))
        for at, (column, sql_type) in enumerate(zip(columns, types, strict=False)):
            values = np.frombuffer(column or b"", dtype=_PACKING[sql_type])
            if len(values) != count:
                raise ValueError(f"A NULL in column {at} of {sql_type}: not a number.")
            matrix[:, at] = values
    return result


# PostgreSQL plans the branches of the union with parallel workers once they cost enough, and
# starting the workers costs more than these queries of a few milliseconds take (on the 2-core
# benchmark host, under load, the facts of a suggestion took 35-55 ms with them and 10-20 ms
# without). So the statement is sent after a SET LOCAL that turns them off for it alone: both go
# in one message (client-side binding, Django's default, sends the simple protocol), which
# PostgreSQL runs as one implicit transaction, so the setting ends with the statement (inside a
# transaction block, with that block). No round trip of its own. Not with server-side binding,
# which sends one statement at a time.
_SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0; "


def _packed(index: int, sql: str, types: Sequence[str], width: int) -> str:
    """One row for the rows of `sql` (their columns numbers of `types`): `index`, the number of
    rows, then each column as one bytea of its numbers in turn (big-endian, as each type's
    binary form), the rows in the same order in every column (one aggregate step feeds them
    all); NULL up to `width` columns, so that rows of several of these line up (UNION ALL).

    Turning 20,000 rows into Python tuples costs more than the query itself; this numpy reads as
    it is, and the short types halve what is sent.
    """
    names = [f"c{at}" for at in range(len(types))]
    columns = [
        f"string_agg(float8send(COALESCE(t.{name}::float8, 'NaN'::float8)), ''::bytea)"
        if sql_type == "float8"
        else f"string_agg({sql_type}send(t.{name}::{sql_type}), ''::bytea)"
        for name, sql_type in zip(names, types, strict=True)
    ]
    columns += ["NULL::bytea"] * (width - len(types))
    return (
        f"SELECT {index:d}, COUNT(*), {', '.join(columns)} "  # noqa: S608 - our compiled SQL
        f"FROM ({sql}) AS t({', '.join(names)})"
    )


def _positions(ids: np.ndarray, wanted) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `wanted` is in the sorted `ids`, and which of `wanted` are there at all."""
    wanted = np.asarray(wanted, dtype=np.int64)
    if not len(ids) or not len(wanted):
        return np.zeros(0, dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    positions = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    found = ids[positions] == wanted
    return positions[found], found


@dataclass
class Candidates:
    """The volunteers that may be suggested, as columns."""

    ids: np.ndarray
    association_ids: np.ndarray
    municipality_ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    ages: np.ndarray
    strengths: np.ndarray
    availability: np.ndarray
    languages: np.ndarray
    qualified: np.ndarray
    free_places: np.ndarray
    waiting_days: np.ndarray
    completed_matches: np.ndarray
    # When her running commitment ends (numpy dates, NaT: none is running).
    commitment_ends: np.ndarray
    base_rule: np.ndarray
    # Her running commitment ends before the planned year of a match proposed today.
    short_commitment: np.ndarray
    # The rows of the queries asked for along with the facts (load_candidates(also=...)).
    also: list[np.ndarray] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


# Up to this many candidates, what belongs to them elsewhere (courses, commitments, languages,
# matches) is read for them alone, by their ids (one array: each table's index on the volunteer
# finds their rows); above it, when they are at least half of all volunteers, every row of those
# tables is read and the rest dropped here, and otherwise the rows are joined to the volunteers
# of their associations. Looking up or joining thousands of rows costs the database more than
# reading the whole of a table of a few thousand rows (see docs/benchmarks.md); every way gives
# the same answer.
FILTER_FACTS_UP_TO = 2000


def load_candidates(
    association_ids,
    *,
    include_paused: bool = True,
    today: date | None = None,
    volunteer_ids: Iterable[int] | None = None,
    language_codes: Iterable[str] | None = None,
    also: Sequence[tuple[QuerySet | None, Sequence[str]]] = (),
) -> Candidates:
    """Every approved (and, for showing why they are excluded, paused) volunteer of the
    given associations, with what the rules and the score need.

    `volunteer_ids` narrows it to those volunteers (checking one pair). `language_codes`
    reads only those languages (the ones the referrals speak or wish for): the language part
    only asks about them, and a suggestion for one referral then reads far fewer rows. `also`
    are more (queryset, types) to read as _matrix() does, in the same query as the facts (no
    round trip of their own): their rows are `also` of the result.

    The steps: read the volunteers as rows of numbers (one query), then the facts about them
    kept elsewhere (completed courses, running commitments, languages, matches: one query on
    PostgreSQL) and the municipalities' centres, each lined up with her id; then the rules of
    her own and the columns of Candidates, on whole columns.
    """
    today = today or timezone.localdate()
    statuses = [Status.APPROVED, Status.PAUSED] if include_paused else [Status.APPROVED]
    if volunteer_ids is not None:
        volunteer_ids = list(volunteer_ids)
    volunteers, volunteer_filter = _candidate_volunteers(association_ids, statuses, volunteer_ids)
    active = list(Course.objects.filter(is_active=True))  # one query for both lists
    required, specialisations = required_courses(active), specialisation_courses(active)
    columns = _sorted_columns(volunteers.order_by(), today)

    ids = columns["pk"].astype(np.int64)
    rows_filter: Q | _AmongIds = volunteer_filter
    if len(ids) <= FILTER_FACTS_UP_TO:
        rows_filter = _AmongIds("volunteer_id", ids.tolist())
    elif 2 * len(ids) >= Volunteer.objects.count():
        rows_filter = Q()
    courses = [*required, *specialisations]
    facts_asked = _fact_queries(rows_filter, courses, language_codes, today)
    read = _matrices(
        [
            *facts_asked,
            (Municipality.objects.order_by().values_list("pk", "latitude", "longitude"), _CENTRES),
            *also,
        ]
    )
    fact_rows, centres = read[: len(facts_asked)], read[len(facts_asked)]
    facts = _facts(ids, courses, *fact_rows)
    municipality_ids = columns["municipality_id"].astype(np.int64)
    lat, lon = _municipality_centres(centres, municipality_ids)

    commitment_ends = _as_dates(facts.commitment_ends)
    free_places = np.maximum(columns["capacity"].astype(np.int64) - facts.open_matches, 0)
    return Candidates(
        ids=ids,
        association_ids=columns["association_id"].astype(np.int64),
        municipality_ids=municipality_ids,
        lat=lat,
        lon=lon,
        ages=today.year - columns["birth_year"].astype(np.int64),
        strengths=columns["strengths"].astype(np.int64),
        availability=columns["availability"].astype(np.int64),
        languages=facts.languages,
        qualified=_qualified(len(ids), facts.completed, specialisations),
        free_places=free_places,
        waiting_days=_waiting_days(columns["since"]),
        completed_matches=facts.ended_matches,
        commitment_ends=commitment_ends,
        base_rule=_base_rule(
            approved=columns["approved"] == 1,
            courses_complete=reduce(
                np.logical_and,
                (facts.completed[course.pk] for course in required),
                np.ones(len(ids), dtype=bool),
            ),
            has_commitment=~np.isnat(commitment_ends),
            free_places=free_places,
            declaration_signed=columns["declaration_signed"] == 1,
        ),
        short_commitment=commitment_ends < np.datetime64(match_planned_end(today)),
        also=read[len(facts_asked) + 1 :],
    )


def _candidate_volunteers(
    association_ids, statuses: Sequence[str], volunteer_ids: list[int] | None
) -> tuple[QuerySet, Q]:
    """The candidates as a queryset of volunteers, and the same condition as a Q for the rows
    that belong to a volunteer (her languages, her matches). Never an erased volunteer (her
    status is ended too; this holds even if it were not)."""
    volunteers = Volunteer.objects.filter(
        association_id__in=association_ids, status__in=statuses, erased_at__isnull=True
    )
    volunteer_filter = Q(
        volunteer__association_id__in=association_ids,
        volunteer__status__in=statuses,
        volunteer__erased_at__isnull=True,
    )
    if volunteer_ids is not None:
        volunteers = volunteers.filter(pk__in=volunteer_ids)
        volunteer_filter &= Q(volunteer_id__in=volunteer_ids)
    return volunteers, volunteer_filter


def _flag(condition: Q) -> Case:
    """1 when `condition` holds, else 0: a number, as every column read by _matrix() is."""
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


# What each volunteer is read as, in this order (only her own columns, no join), and the type
# each is sent as (_PACKING).
_VOLUNTEER_COLUMNS = {
    "pk": "int8",
    "association_id": "int8",
    "municipality_id": "int8",
    "birth_year": "int2",
    "strengths": "int2",
    "availability": "int2",
    "capacity": "int2",
    "approved": "int2",  # 1 when approved, 0 when paused
    "declaration_signed": "int2",  # 0 when a confidentiality declaration is overdue
    "since": "float8",  # approval or her last match, the later, in seconds since 1970 (nan: neither)
}


def _volunteer_columns(volunteers: QuerySet, today: date | None = None) -> QuerySet:
    """Each volunteer as one row of numbers: _VOLUNTEER_COLUMNS."""
    return volunteers.annotate(
        approved=_flag(Q(status=Status.APPROVED)),
        declaration_signed=_flag(~confidentiality_overdue(today)),
        since=_EpochSeconds(
            Greatest(
                Coalesce("last_matched_at", "approved_at"),
                Coalesce("approved_at", "last_matched_at"),
            )
        ),
    ).values_list(*_VOLUNTEER_COLUMNS)


def _sorted_columns(volunteers: QuerySet, today: date | None = None) -> dict[str, np.ndarray]:
    """The volunteers' _volunteer_columns() as float columns by name, sorted by id (cheaper
    here than in the database)."""
    matrix = _matrix(_volunteer_columns(volunteers, today), list(_VOLUNTEER_COLUMNS.values()))
    matrix = matrix[np.argsort(matrix[:, 0], kind="stable")]
    return dict(zip(_VOLUNTEER_COLUMNS, matrix.T, strict=True))


@dataclass
class _Facts:
    """What belongs to each volunteer (of the sorted ids) in other tables."""

    completed: dict[int, np.ndarray]  # course id: completed it (bool per volunteer)
    commitment_ends: np.ndarray  # the end of her running commitment, days since 1970 (nan: none)
    languages: np.ndarray  # language_bit()s
    open_matches: np.ndarray
    ended_matches: np.ndarray


def _fact_queries(rows_filter: Q | _AmongIds, courses, language_codes, today: date) -> list:
    """The facts about volunteers kept in other tables, as pairs (her id, a number), for
    _matrices(): the courses she completed (the course), her running commitment (its end in
    days since 1970), the languages she speaks (their bits; only `language_codes` when given)
    and her open or ended matches (1: open). `rows_filter` picks the rows of the candidates (an
    empty Q: every row; _facts() drops those of others). Course completion is decided in the
    database (courses.selectors)."""
    bits = _LANGUAGE_BIT
    if language_codes is not None:
        bits = {code: bits[code] for code in language_codes if code in bits}
    return [
        (
            Enrolment.objects.filter(rows_filter)
            .filter(reduce(or_, (completion_condition(course) for course in courses)))
            .order_by()
            .values_list("volunteer_id", "session__course_id")
            if courses
            else None,
            ("int8", "int8"),
        ),
        (
            CommitmentPeriod.objects.filter(rows_filter)
            .filter(ended_on__isnull=True, ends_on__gte=today)
            # Running today, or renewed before the end: the next year starts where the renewed
            # one ends (volunteers.services.commitment_renew), and she is committed until then.
            .filter(
                Q(starts_on__lte=today)
                | Exists(
                    CommitmentPeriod.objects.filter(
                        volunteer_id=OuterRef("volunteer_id"),
                        end_reason=CommitmentEndReason.RENEWED,
                        ended_on=OuterRef("starts_on"),
                    )
                )
            )
            .order_by()
            .annotate(days=_EpochDays("ends_on"))
            .values_list("volunteer_id", "days"),
            ("int8", "int4"),
        ),
        (
            VolunteerLanguage.objects.filter(rows_filter)
            .filter(code__in=bits)
            .order_by()
            .annotate(
                bit=Case(
                    *(When(code=code, then=Value(value)) for code, value in bits.items()),
                    default=Value(0),
                    output_field=BigIntegerField(),
                )
            )
            .values_list("volunteer_id", "bit"),
            ("int8", "int8"),
        ),
        (
            Match.objects.filter(rows_filter)
            .filter(status__in=[*OPEN_MATCH, MatchStatus.ENDED])
            .order_by()
            .annotate(is_open=_flag(Q(status__in=OPEN_MATCH)))
            .values_list("volunteer_id", "is_open"),
            ("int8", "int2"),
        ),
    ]


def _facts(
    ids: np.ndarray,
    courses,
    completions: np.ndarray,
    commitments: np.ndarray,
    spoken: np.ndarray,
    matches: np.ndarray,
) -> _Facts:
    """The rows of _fact_queries() lined up with the volunteers of the sorted `ids` (rows of
    other volunteers dropped)."""

    def lined_up(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each pair's volunteer is in `ids`, and the numbers of the pairs found there."""
        positions, found = _positions(ids, pairs[:, 0].astype(np.int64))
        return positions, pairs[found, 1]

    completed = {}
    at, course_ids = lined_up(completions)
    for course in courses:
        completed[course.pk] = np.zeros(len(ids), dtype=bool)
        completed[course.pk][at[course_ids == course.pk]] = True
    commitment_ends = np.full(len(ids), np.nan)
    at, ends = lined_up(commitments)
    commitment_ends[at] = ends  # one running commitment at most (a constraint)
    languages = np.zeros(len(ids), dtype=np.int64)
    at, spoken_bits = lined_up(spoken)
    np.bitwise_or.at(languages, at, spoken_bits.astype(np.int64))
    at, is_open = lined_up(matches)
    open_matches = np.bincount(at[is_open == 1], minlength=len(ids)).astype(np.int64)
    ended_matches = np.bincount(at[is_open == 0], minlength=len(ids)).astype(np.int64)
    return _Facts(completed, commitment_ends, languages, open_matches, ended_matches)


# The municipalities' centres, as _matrices() reads them: a few hundred rows.
_CENTRES = ("int8", "float8", "float8")


def _municipality_centres(
    centres: np.ndarray, municipality_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The latitude and longitude of each of these municipalities, from `centres` (rows of id,
    latitude and longitude of every municipality)."""
    centres = centres[np.argsort(centres[:, 0], kind="stable")]
    known = centres[:, 0].astype(np.int64)
    at = np.minimum(np.searchsorted(known, municipality_ids), max(len(known) - 1, 0))
    return centres[at, 1], centres[at, 2]


def _qualified(count: int, completed: dict[int, np.ndarray], specialisations) -> np.ndarray:
    """The considerations (bits) each of `count` volunteers' completed specialisation courses
    qualify her for."""
    qualified = np.zeros(count, dtype=np.int64)
    for course in specialisations:
        qualified[completed[course.pk]] |= course.qualifies_for
    return qualified


def _waiting_days(since: np.ndarray) -> np.ndarray:
    """Whole days waited since approval or the last match (seconds since 1970; nan: 0 days)."""
    return np.where(np.isnan(since), 0.0, np.floor((timezone.now().timestamp() - since) / 86400))


def _base_rule(
    *,
    approved: np.ndarray,
    courses_complete: np.ndarray,
    has_commitment: np.ndarray,
    free_places: np.ndarray,
    declaration_signed: np.ndarray | None = None,
) -> np.ndarray:
    """The first hard rule each volunteer fails on her own, whatever the referral (RULE_OK when
    none); rules() adds those that depend on the referral."""
    base_rule = np.zeros(len(approved), dtype=np.int8)
    # First failing rule wins: fill from the last rule to the first.
    base_rule[free_places == 0] = RULE_CAPACITY
    if declaration_signed is not None:
        base_rule[~declaration_signed] = RULE_CONFIDENTIALITY
    base_rule[~has_commitment] = RULE_COMMITMENT
    base_rule[~courses_complete] = RULE_COURSES
    base_rule[~approved] = RULE_PAUSED
    return base_rule


@dataclass
class ReferralFeatures:
    """Waiting referrals as columns (one row per referral)."""

    referrals: list[Referral]
    lat: np.ndarray
    lon: np.ndarray
    municipality_ids: np.ndarray
    avoid: list[np.ndarray]
    preferred: np.ndarray
    languages: np.ndarray
    wished_language: np.ndarray
    needs: np.ndarray
    availability: np.ndarray
    considerations: np.ndarray
    age_low: np.ndarray
    age_high: np.ndarray
    earlier: list[set[int]] = field(default_factory=list)
    # The languages each speaks, as codes in the order they were given.
    codes: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.referrals)

    def set_earlier(self, pairs: np.ndarray) -> None:
        """The earlier pairings from the rows of earlier_pairings() (referral, volunteer)."""
        position = {r.pk: index for index, r in enumerate(self.referrals)}
        self.earlier = [set() for _r in self.referrals]
        for referral_id, volunteer_id in pairs.astype(np.int64).tolist():
            self.earlier[position[referral_id]].add(volunteer_id)

    @property
    def language_codes(self) -> set[str]:
        """Every language the referrals speak or wish for: all the language part asks about."""
        wished = {r.wish_language for r in self.referrals if r.wish_language}
        preferred = {r.preferred_language for r in self.referrals}
        return {code for codes in self.codes for code in codes} | wished | preferred


def _prefetched(instance, name: str) -> list | None:
    """The related rows `name` of `instance` when prefetch_related() has read them, else None."""
    cache = getattr(instance, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else None


def earlier_pairings(referrals: Sequence[Referral]) -> tuple[QuerySet, tuple[str, str]]:
    """The pairs (referral, volunteer) of the referrals' declined, cancelled and broken-off
    proposals and ended matches, as _matrix() reads them: the volunteers not to suggest again."""
    return (
        Match.objects.filter(
            referral_id__in=[r.pk for r in referrals],
            status__in=[MatchStatus.CANCELLED, MatchStatus.ENDED],
        )
        .order_by()
        .values_list("referral_id", "volunteer_id"),
        ("int8", "int8"),
    )


def load_referrals(referrals: list[Referral], *, earlier: bool = True) -> ReferralFeatures:
    """Features of `referrals` (loaded with their municipality). Their languages and avoid lists
    are read unless prefetched (all of them). With `earlier=False` the earlier pairings are left
    to the caller, who reads earlier_pairings() with the candidates (load_candidates(also=...))
    and gives them to ReferralFeatures.set_earlier()."""
    ids = [r.pk for r in referrals]
    avoid: dict[int, list[int]] = {pk: [] for pk in ids}
    codes: dict[int, list[str]] = {pk: [] for pk in ids}
    prefetched = [
        (_prefetched(r, "avoid_municipalities"), _prefetched(r, "languages")) for r in referrals
    ]
    if all(a is not None and c is not None for a, c in prefetched):
        for referral, (avoided, spoken) in zip(referrals, prefetched, strict=True):
            avoid[referral.pk] = [m.pk for m in avoided or ()]
            codes[referral.pk] = [language.code for language in spoken or ()]
    else:
        for referral_id, municipality_id in Referral.avoid_municipalities.through.objects.filter(
            referral_id__in=ids
        ).values_list("referral_id", "municipality_id"):
            avoid[referral_id].append(municipality_id)
        for referral_id, code in (
            ReferralLanguage.objects.filter(referral_id__in=ids)
            .order_by("pk")
            .values_list("referral_id", "code")
        ):
            codes[referral_id].append(code)
    earlier_sets: dict[int, set[int]] = {pk: set() for pk in ids}
    if earlier:
        pairs, _types = earlier_pairings(referrals)
        for referral_id, volunteer_id in pairs:
            earlier_sets[referral_id].add(volunteer_id)
    ranges = [AGE_RANGES.get(r.wish_age_bracket, (-1, -1)) for r in referrals]
    return ReferralFeatures(
        referrals=referrals,
        lat=np.array([r.municipality.latitude for r in referrals], dtype=np.float64),
        lon=np.array([r.municipality.longitude for r in referrals], dtype=np.float64),
        municipality_ids=np.array([r.municipality_id for r in referrals], dtype=np.int64),
        avoid=[np.array(avoid[pk], dtype=np.int64) for pk in ids],
        preferred=np.array([language_bit(r.preferred_language) for r in referrals], dtype=np.int64),
        languages=np.array(
            [
                language_mask(codes[pk]) | language_bit(r.preferred_language)
                for r, pk in zip(referrals, ids, strict=True)
            ],
            dtype=np.int64,
        ),
        wished_language=np.array(
            [language_bit(r.wish_language) for r in referrals], dtype=np.int64
        ),
        needs=np.array([r.needs for r in referrals], dtype=np.int64),
        availability=np.array([r.availability for r in referrals], dtype=np.int64),
        considerations=np.array([r.considerations for r in referrals], dtype=np.int64),
        age_low=np.array([low for low, _high in ranges], dtype=np.int64),
        age_high=np.array([high for _low, high in ranges], dtype=np.int64),
        earlier=[earlier_sets[pk] for pk in ids],
        codes=[codes[pk] for pk in ids],
    )


def distance_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance; broadcasts (R×1 against 1×V gives R×V)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = phi2 - phi1, np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _per_value(values: np.ndarray, table, rows: int) -> np.ndarray:
    """R×V from `table(distinct values)` (R×U): what depends on one of her values is computed
    once per distinct value (a few hundred at most) and spread to every volunteer. (For one
    referral it is as quick to compute it for every volunteer.)"""
    if rows == 1:
        return table(values[None, :])
    distinct, inverse = np.unique(values, return_inverse=True)
    return table(distinct[None, :])[:, inverse.ravel()]


def rules(refs: ReferralFeatures, cands: Candidates) -> np.ndarray:
    """R×V: the first hard rule each pair fails (RULE_OK when she may be matched)."""
    rule = np.empty((len(refs), len(cands)), dtype=np.int8)
    rule[:] = cands.base_rule
    if not rule.size:
        return rule
    if any(len(avoid) for avoid in refs.avoid):
        avoided = _per_value(
            cands.municipality_ids,
            lambda municipalities: np.array(
                [np.isin(municipalities[0], avoid) for avoid in refs.avoid]
            ).reshape(len(refs), -1),
            len(refs),
        )
        rule[(rule == RULE_OK) & avoided] = RULE_AVOID
    needed = refs.considerations & NEEDS_SPECIALISATION
    for r in np.flatnonzero(needed):
        row = rule[r]
        row[(row == RULE_OK) & ((needed[r] & ~cands.qualified) != 0)] = RULE_SPECIALISATION
    for index, earlier in enumerate(refs.earlier):
        if earlier:
            row = rule[index]
            row[(row == RULE_OK) & np.isin(cands.ids, list(earlier))] = RULE_EARLIER_PAIRING
    rule[(rule == RULE_OK) & cands.short_commitment[None, :]] = RULE_COMMITMENT_SHORT
    return rule


def parts(refs: ReferralFeatures, cands: Candidates) -> dict[str, np.ndarray]:
    """Each part of the score, 0–1, as R×V arrays."""
    col = lambda a: a[:, None]  # noqa: E731 - a referral column against volunteer rows
    shape = (len(refs), len(cands))
    if not len(cands):
        empty = np.zeros(shape)
        return dict.fromkeys((*MatchingWeights.PARTS, "_km"), empty)

    # Distance between municipality centres: once per municipality the volunteers live in.
    _municipalities, first, inverse = np.unique(
        cands.municipality_ids, return_index=True, return_inverse=True
    )
    km_table = distance_km(
        col(refs.lat), col(refs.lon), cands.lat[first][None, :], cands.lon[first][None, :]
    )
    km = km_table[:, inverse.ravel()]
    distance_table = np.clip(
        1 - (km_table - DISTANCE_FLOOR_KM) / (DISTANCE_ZERO_KM - DISTANCE_FLOOR_KM), 0, 1
    )
    distance = distance_table[:, inverse.ravel()]

    def language_table(spoken):
        speaks_preferred = (spoken & col(refs.preferred)) != 0
        speaks_wished = (spoken & col(refs.wished_language)) != 0
        speaks_any = (spoken & col(refs.languages)) != 0
        return np.where(speaks_preferred | speaks_wished, 1.0, np.where(speaks_any, 0.5, 0.0))

    def share_table(wanted):
        """The share of what she asks for (bits) that the volunteer offers; all when none."""
        asked = col(_popcount(wanted))
        return lambda offered: np.where(
            asked > 0, _popcount(offered & col(wanted)) / np.maximum(asked, 1), 1.0
        )

    def age_table(ages):
        low, high = col(refs.age_low), col(refs.age_high)
        inside = (ages >= low) & (ages <= high)
        near = (ages >= low - 5) & (ages <= high + 5)
        return np.where(low < 0, 1.0, np.where(inside, 1.0, np.where(near, 0.5, 0.0)))

    waiting = np.broadcast_to(np.clip(cands.waiting_days / WAITING_FULL_DAYS, 0, 1), shape)
    experience = np.broadcast_to(np.clip(cands.completed_matches / EXPERIENCE_FULL, 0, 1), shape)
    return {
        "distance": distance,
        "language": _per_value(cands.languages, language_table, len(refs)),
        "needs": _per_value(cands.strengths, share_table(refs.needs), len(refs)),
        "availability": _per_value(cands.availability, share_table(refs.availability), len(refs)),
        "age": _per_value(cands.ages, age_table, len(refs)),
        "waiting": waiting,
        "experience": experience,
        "_km": km,
    }


def effective_weights(refs: ReferralFeatures, weights: dict[str, int]) -> dict[str, np.ndarray]:
    """Weights per referral (R×1): experience counts double when there are special
    considerations, since an experienced volunteer matters most then."""
    special = (refs.considerations != 0)[:, None]
    result = {name: np.full((len(refs), 1), float(value)) for name, value in weights.items()}
    result["experience"] = np.where(special, 2.0, 1.0) * float(weights["experience"])
    return result


def total(score_parts: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> np.ndarray:
    """R×V total 0–100: the weighted mean of the parts."""
    acc: np.ndarray = np.zeros(score_parts["distance"].shape)
    weighted = np.empty_like(acc)  # one scratch array: R×V can be millions of numbers
    weight_sum = np.zeros((acc.shape[0], 1))
    for name in MatchingWeights.PARTS:
        acc += np.multiply(weights[name], score_parts[name], out=weighted)
        weight_sum += weights[name]
    acc *= 100
    acc /= np.maximum(weight_sum, 1)
    return acc


# --- Suggestions for one referral --------------------------------------------------------------


@dataclass
class Part:
    name: str
    label: str
    value: float
    reason: str


@dataclass
class Suggestion:
    volunteer: Volunteer
    score: int
    parts: list[Part]
    km: float
    other_association: bool
    commitment_ends: date | None
    # Her commitment ends before the match's planned year (RULE_COMMITMENT_SHORT): shown apart,
    # to renew her commitment or to confirm a shorter match on purpose.
    short_commitment: bool = False

    @property
    def commitment_left(self) -> str:
        return commitment_left_text(self.commitment_ends)


def commitment_left_text(ends: date | None, today: date | None = None) -> str:
    """How long is left of her commitment, in words: days up to two months, then months."""
    if ends is None:
        return ""
    days = (ends - (today or timezone.localdate())).days
    if days <= 0:
        return _("Her commitment ends today")
    if days < 60:
        return ngettext(
            "Her commitment ends in %(n)s day", "Her commitment ends in %(n)s days", days
        ) % {"n": days}
    months = round(days / 30.44)
    return ngettext(
        "Her commitment ends in %(n)s month", "Her commitment ends in %(n)s months", months
    ) % {"n": months}


@dataclass
class Exclusion:
    volunteer: Volunteer
    rule: int

    @property
    def reason(self) -> str:
        return rule_text(self.rule)


# What an excluded volunteer is loaded with: enough to name her and link to her. (Loading
# thousands of whole volunteers costs far more than the suggestions: six datetimes and a phone
# number each to parse.) Reading another field costs a query per volunteer.
EXCLUSION_FIELDS = ("public_id", "first_name", "last_name", "status", "association", "municipality")
# Not needed to show a volunteer in a list, and slow to read (phone numbers are parsed).
LIST_DEFERRED = ("phone", "motivation", "interview_note", "status_reason")


class Exclusions(Sequence):
    """The volunteers a hard rule excludes, each with the first rule she fails, ordered by rule
    and then by name.

    Counting them (len(), by_rule) asks the database nothing. The volunteers themselves are
    loaded in one query when the list is first read, with only EXCLUSION_FIELDS, so a page
    that shows only the counts, or lists them on demand, does not pay for thousands of them.
    The first few (a slice from the start, as a page shows) cost two queries whatever their
    number, when `among` gives volunteers that include them all: the order of their names, as
    numbers, and then those few.
    """

    def __init__(
        self,
        volunteer_ids: Iterable[int],
        rules: Iterable[int],
        among: Callable[[], QuerySet] | None = None,
    ):
        self._ids = np.asarray(volunteer_ids, dtype=np.int64)
        self._rules = np.asarray(rules, dtype=np.int64)
        self._among = among
        self._items: list[Exclusion] | None = None

    def _load(self) -> list[Exclusion]:
        if self._items is None:
            volunteers = Volunteer.objects.only(*EXCLUSION_FIELDS).in_bulk(self._ids.tolist())
            self._items = sorted(
                (
                    Exclusion(volunteers[pk], rule)
                    for pk, rule in zip(self._ids.tolist(), self._rules.tolist(), strict=True)
                    if pk in volunteers
                ),
                key=lambda e: (
                    e.rule,
                    e.volunteer.first_name,
                    e.volunteer.last_name,
                    e.volunteer.pk,
                ),
            )
        return self._items

    def _first(self, count: int) -> list[Exclusion]:
        """The first `count` in order, without loading the others. On PostgreSQL one query:
        the excluded ids and their rules, as two arrays, joined to the volunteers and ordered
        there (names by code point, as Python compares strings). Elsewhere the database numbers
        the volunteers of `among` by name, and only the first `count` by rule and that number
        are loaded."""
        if connections[Volunteer.objects.db].vendor == "postgresql":
            return self._first_joined(count)
        return self._first_ranked(count)

    def _first_ranked(self, count: int) -> list[Exclusion]:
        assert self._among is not None
        ranked = _matrix(_by_name(self._among()), ("int8", "int8"))
        ranked = ranked[np.argsort(ranked[:, 0], kind="stable")]
        positions, found = _positions(ranked[:, 0].astype(np.int64), self._ids)
        rank = np.full(len(self._ids), np.inf)  # a volunteer since erased: last, then dropped
        rank[found] = ranked[positions, 1]
        first = np.lexsort((self._ids, rank, self._rules))[:count]
        volunteers = Volunteer.objects.only(*EXCLUSION_FIELDS).in_bulk(self._ids[first].tolist())
        return [
            Exclusion(volunteers[pk], rule)
            for pk, rule in zip(self._ids[first].tolist(), self._rules[first].tolist(), strict=True)
            if pk in volunteers
        ]

    def _first_joined(self, count: int) -> list[Exclusion]:
        meta = Volunteer._meta
        quote = connections[Volunteer.objects.db].ops.quote_name
        wanted = {"id", *EXCLUSION_FIELDS}
        columns = ", ".join(
            f"v.{quote(f.column)}" for f in meta.concrete_fields if f.name in wanted
        )
        volunteers = Volunteer.objects.raw(
            f"SELECT {columns}, x.rule FROM {quote(meta.db_table)} v "  # noqa: S608 - our names
            "JOIN unnest(%s::bigint[], %s::int[]) AS x(id, rule) ON v.id = x.id "
            'ORDER BY x.rule, v.first_name COLLATE "C", v.last_name COLLATE "C", v.id LIMIT %s',
            [self._ids.tolist(), self._rules.tolist(), count],
        )
        # Each row also carries its rule (the column x.rule, an attribute of the volunteer read).
        return [Exclusion(volunteer, vars(volunteer)["rule"]) for volunteer in volunteers]

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index):
        if isinstance(index, slice) and self._items is None and self._among is not None:
            start, stop, step = index.indices(len(self))
            if step == 1 and start == 0 and stop < len(self):
                return self._first(stop)
        return self._load()[index]

    def __iter__(self):
        return iter(self._load())

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Exclusions({len(self)} volunteers)"

    @property
    def by_rule(self) -> dict[int, int]:
        """How many each rule excludes, in the order of the rules."""
        rules, counts = np.unique(self._rules, return_counts=True)
        return dict(zip(rules.tolist(), counts.tolist(), strict=True))


def _by_name(volunteers: QuerySet) -> QuerySet:
    """Each volunteer's id and her place in the order of first name, last name and id, compared
    as Python compares strings (by code point: PostgreSQL's "C" collation, SQLite's own)."""
    collation = "C" if connections[volunteers.db].vendor == "postgresql" else "BINARY"
    return (
        volunteers.order_by()
        .annotate(
            place=Window(
                RowNumber(),
                order_by=[
                    Collate("first_name", collation).asc(),
                    Collate("last_name", collation).asc(),
                    F("pk").asc(),
                ],
            )
        )
        .values_list("pk", "place")
    )


@dataclass
class Suggestions:
    suggestions: list[Suggestion]
    excluded: Exclusions
    weights: dict[str, int]
    # Her association's volunteers excluded only because their commitment ends before the
    # match's planned year, best first (at most `limit`; the rest are among `excluded`).
    short: list[Suggestion] = field(default_factory=list)


PART_LABELS = {
    "distance": lambda: _("Distance"),
    "language": lambda: _("Language"),
    "needs": lambda: _("Needs"),
    "availability": lambda: _("Availability"),
    "age": lambda: _("Age wish"),
    "waiting": lambda: _("Waiting time"),
    "experience": lambda: _("Experience"),
}


def _reasons(
    referral: Referral,
    volunteer: Volunteer,
    values: dict[str, float],
    km: float,
    waiting_days: int,
    completed: int,
    her_languages: list[str],
    speaks: set[str],
) -> list[Part]:
    """Each part of the score with its label, its value and, in words, why (`speaks`: the
    volunteer's languages among those the language part asks about)."""
    texts = {
        "distance": _distance_reason(referral, volunteer, km),
        "language": _language_reason(referral, speaks, her_languages),
        "needs": _needs_reason(referral, volunteer),
        "availability": _availability_reason(referral, volunteer),
        "age": _age_reason(referral, volunteer),
        "waiting": ngettext(
            "Has waited %(days)s day since approval or her last match",
            "Has waited %(days)s days since approval or her last match",
            waiting_days,
        )
        % {"days": waiting_days},
        "experience": (
            ngettext("%(n)s earlier match completed", "%(n)s earlier matches completed", completed)
            % {"n": completed}
            if completed
            else _("No earlier matches")
        ),
    }
    return [
        Part(name, PART_LABELS[name](), values[name], texts[name]) for name in MatchingWeights.PARTS
    ]


def _distance_reason(referral: Referral, volunteer: Volunteer, km: float) -> str:
    if referral.municipality_id == volunteer.municipality_id:
        return _("Lives in the same municipality")
    return _("%(km)s km away (%(municipality)s)") % {
        "km": round(km),
        "municipality": volunteer.municipality.name,
    }


def _spoken(bits: int, codes: Iterable[str]) -> set[str]:
    """Which of `codes` a volunteer speaks, from her language bits (Candidates.languages)."""
    return {code for code in codes if bits & language_bit(code)}


def _language_reason(referral: Referral, speaks: set[str], her_languages: list[str]) -> str:
    """Her preferred language first, then the language wished for, then any she speaks (of
    those the referral asks about: `speaks`)."""
    if referral.preferred_language in speaks:
        return _("Speaks %(language)s – her preferred language") % {
            "language": language_name(referral.preferred_language).lower()
        }
    if referral.wish_language and referral.wish_language in speaks:
        return _("Speaks %(language)s, as wished") % {
            "language": language_name(referral.wish_language).lower()
        }
    common = [code for code in her_languages if code in speaks]
    if common:
        return _("Speaks %(language)s, which she also speaks") % {
            "language": language_name(common[0]).lower()
        }
    return _("No language in common")


def _needs_reason(referral: Referral, volunteer: Volunteer) -> str:
    wanted = NEEDS.selected(referral.needs)
    if not wanted:
        return _("No particular needs given")
    helps = [s.name.lower() for s in wanted if volunteer.strengths & s.value]
    if not helps:
        return _("None of her needs among the volunteer's strengths")
    return _("Can help with %(covered)s of %(total)s needs: %(list)s") % {
        "covered": len(helps),
        "total": len(wanted),
        "list": ", ".join(helps),
    }


def _availability_reason(referral: Referral, volunteer: Volunteer) -> str:
    slots = [a for a in Availability if referral.availability & a]
    if not slots:
        return _("She gave no times")
    common_slots = [str(a.label).lower() for a in slots if volunteer.availability & a]
    if not common_slots:
        return _("No times in common")
    return _("Both can meet: %(times)s") % {"times": ", ".join(common_slots)}


def _age_reason(referral: Referral, volunteer: Volunteer) -> str:
    if not referral.wish_age_bracket:
        return _("No wish about age")
    return _("%(age)s years; the wish is %(bracket)s") % {
        "age": volunteer.age,
        "bracket": referral.get_wish_age_bracket_display(),
    }


def neighbour_association_ids(referral: Referral, within_km: float) -> list[int]:
    """Other associations covering a municipality within `within_km` of where she will live."""
    from accounts.models import Coverage

    if within_km <= 0:
        return []
    rows = list(
        Coverage.objects.exclude(association_id=referral.association_id)
        .filter(association__is_active=True)
        .values_list("association_id", "municipality__latitude", "municipality__longitude")
    )
    if not rows:
        return []
    ids, lats, lons = (np.array(c) for c in zip(*rows, strict=True))
    km = distance_km(
        referral.municipality.latitude,
        referral.municipality.longitude,
        lats.astype(float),
        lons.astype(float),
    )
    return sorted({int(i) for i in ids[km <= within_km]})


def suggest(referral: Referral, *, limit: int = 20, neighbours_km: float = 0) -> Suggestions:
    """The top eligible volunteers for `referral`, with the parts of each score explained, and
    the volunteers of her association excluded by a hard rule (with the rule; volunteers of a
    neighbouring association are suggested, but who of them is excluded, and why, stays with
    that association)."""
    weights = MatchingWeights.current()
    association_ids = [referral.association_id, *neighbour_association_ids(referral, neighbours_km)]
    refs = load_referrals([referral], earlier=False)
    cands = load_candidates(
        association_ids, language_codes=refs.language_codes, also=[earlier_pairings([referral])]
    )
    refs.set_earlier(cands.also[0])
    rule = rules(refs, cands)[0]
    score_parts = parts(refs, cands)
    scores = total(score_parts, effective_weights(refs, weights))[0]
    order = _best(np.flatnonzero(rule == RULE_OK), scores, cands, limit)
    # Those only her commitment keeps out, of her own association (whose coordinator can renew
    # it): shown apart, best first, loaded with the suggestions (no query of their own).
    short = np.flatnonzero(
        (rule == RULE_COMMITMENT_SHORT) & (cands.association_ids == referral.association_id)
    )
    short_order = _best(short, scores, cands, limit)
    volunteers = (
        Volunteer.objects.select_related("municipality")
        .defer(*LIST_DEFERRED)
        # Her last supervision session: information for the coordinator, not a rule (issue 18).
        .annotate(last_supervision=last_supervision_subquery())
        .in_bulk([int(cands.ids[i]) for i in (*order, *short_order)])
    )

    def suggestion(i: int) -> Suggestion:
        volunteer = volunteers[int(cands.ids[i])]
        values = {name: float(score_parts[name][0, i]) for name in MatchingWeights.PARTS}
        return Suggestion(
            volunteer=volunteer,
            score=round(float(scores[i])),
            parts=_reasons(
                referral,
                volunteer,
                values,
                float(score_parts["_km"][0, i]),
                int(cands.waiting_days[i]),
                int(cands.completed_matches[i]),
                refs.codes[0],
                _spoken(int(cands.languages[i]), refs.language_codes),
            ),
            km=float(score_parts["_km"][0, i]),
            other_association=int(cands.association_ids[i]) != referral.association_id,
            commitment_ends=cands.commitment_ends[i].item(),
            short_commitment=bool(rule[i] == RULE_COMMITMENT_SHORT),
        )

    excluded = np.flatnonzero(
        (rule != RULE_OK) & (cands.association_ids == referral.association_id)
    )
    excluded = excluded[~np.isin(excluded, short_order)]

    def her_volunteers() -> QuerySet:
        """Every candidate of her association: all she can see excluded, and more."""
        return _candidate_volunteers(
            [referral.association_id], [Status.APPROVED, Status.PAUSED], None
        )[0]

    return Suggestions(
        suggestions=[suggestion(i) for i in order],
        excluded=Exclusions(cands.ids[excluded], rule[excluded], among=her_volunteers),
        weights=weights,
        short=[suggestion(i) for i in short_order],
    )


def _best(among: np.ndarray, scores: np.ndarray, cands: Candidates, limit: int) -> np.ndarray:
    """The best `limit` of `among` (positions of candidates), best first; equal scores: the one
    who has waited longest, then the lowest id (stable)."""
    if len(among) > limit:  # only those who can be among the best `limit` need sorting
        among = among[scores[among] >= -np.partition(-scores[among], limit - 1)[limit - 1]]
    return among[np.lexsort((cands.ids[among], -cands.waiting_days[among], -scores[among]))][:limit]


def eligible_score(
    referral: Referral, volunteer: Volunteer, *, shorter_ok: bool = False
) -> int | None:
    """The score of this pair when every hard rule allows it; None otherwise. (Proposing
    checks this, so a crafted request cannot match an ineligible volunteer.) `shorter_ok`: a
    commitment that ends before the match's planned year is allowed (the coordinator confirmed
    a shorter match on purpose)."""
    refs = load_referrals([referral])
    cands = load_candidates(
        [volunteer.association_id],
        volunteer_ids=[volunteer.pk],
        language_codes=refs.language_codes,
    )
    if not len(cands):
        return None
    rule = rules(refs, cands)[0, 0]
    if rule != RULE_OK and not (shorter_ok and rule == RULE_COMMITMENT_SHORT):
        return None
    score = total(parts(refs, cands), effective_weights(refs, MatchingWeights.current()))[0, 0]
    return round(float(score))
