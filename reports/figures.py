"""The figures, computed in the database: one aggregate query per topic (volunteers, courses,
referrals, matches, meetings, ...), grouped by association, and the topics sent together as
one statement per group (STATEMENTS, reports/queries.py), whatever the number of associations
or rows. Nothing here loops over volunteers, referrals, matches or meetings; Python only does
arithmetic on the aggregates (a partition's last part is its total minus the others; the lists
of all associations are the sums of theirs).

For one association every query is filtered on it before anything is counted. For all of them
the queries filter on "has an association" and group by it.

Every figure covers a Period (Europe/Oslo days). Definitions, in the words the pages use, are
in docs/statistics.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractMonth,
    ExtractYear,
    Greatest,
    Least,
    TruncDate,
)
from django.utils import timezone

from courses.models import (
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    GatheringSignUp,
    Session,
    SignUpStatus,
)
from matching.models import (
    LATER_OUTCOME_DAYS,
    CancelReason,
    Concern,
    EndReason,
    Match,
    MatchEvent,
    MatchStatus,
    Meeting,
    Referral,
    ReferralStatus,
    YesNoUnknown,
)
from reports.expressions import DaysBetween, HoursBetween, Percentile
from reports.periods import Period
from reports.queries import Part, run
from supervision.models import DEFAULT_EVERY_WEEKS, Attendance
from volunteers.models import CommitmentPeriod, Status, Volunteer
from volunteers.models import EndReason as CommitmentEndReason

# Volunteers recruited through the system. One moved in from her association's spreadsheet
# (volunteers.importing) applied and was approved before, elsewhere: her application and approval
# dates are the moment of the import. She is left out of the applications, the funnel and the
# approvals (and the days to approval); she counts as a volunteer by status, and in what she
# does (docs/statistics.md, "Imported volunteers").
RECRUITED_HERE = Q(imported_at__isnull=True)

# Partitions: the parts add up to the total named beside them (the tables' row totals).
FUNNEL = ["funnel_application", "funnel_screening", "funnel_course", "funnel_approved"]
PIPELINE = [f"status_{s}" for s in Status.values]
ENROLMENTS = ["attended", "absent", "unregistered"]
RECEIVED = ["received_matched", "received_withdrawn", "received_waiting"]
WITHDRAWN = ["withdrawn_before_proposal", "withdrawn_after_proposal"]
CANCELLED = [f"cancelled_{r}" for r in CancelReason.values] + ["cancelled_not_recorded"]
OUTCOMES = ["outcome_no", "outcome_yes", "outcome_unknown"]
# The other outcomes at closure (matching.models.OUTCOMES_DURING), each a partition of the
# matches ended: yes, no, unknown (not recorded counts as unknown), with its own total
# ("<name>_ended", the same number as "ended"). "<name>_during": of the yes, those that came
# during the match, a list suppressed against the published yes.
OTHER_OUTCOMES = ["housing", "work_or_study", "network", "help_services"]
OTHER_OUTCOME_PARTS = {
    name: [f"{name}_yes", f"{name}_no", f"{name}_unknown"] for name in OTHER_OUTCOMES
}
# Six months after the end (matching.models.LATER_OUTCOME_DAYS): the matches whose six months
# came on a day of the period ("later_due"), by what the coordinator then recorded. "later_after"
# (of the yes, those who had not moved back when the match ended) is a list suppressed against
# the published yes.
LATER = ["later_no", "later_yes", "later_unknown", "later_not_recorded"]
END_REASONS = [f"end_{r}" for r in EndReason.values] + ["end_not_recorded"]
CONCERNS = ["concern_within_24h", "concern_later", "concern_open"]
# A concern should be followed up within this many hours: the statistics count those that were
# (the figure keeps its name, concern_within_24h). The table's label is filled from it.
CONCERN_FOLLOW_UP_HOURS = 24
COMMITMENTS = [f"commitment_{r}" for r in CommitmentEndReason.values] + ["commitment_not_recorded"]
# Volunteers whose commitment period ended in the period (each once): renewed, or not.
RENEWALS = ["renewal_renewed", "renewal_not_renewed"]
# Volunteers' hours in the period (whole hours): meetings with the women, course sessions,
# supervision group sessions, gatherings.
HOURS = ["hours_meetings", "hours_courses", "hours_supervision", "hours_gatherings"]
# Volunteers with an active match on the period's last day: those who attended a supervision
# group session within their association's expected interval before it, and those who did not.
SUPERVISION = ["supervision_met", "supervision_not_met"]
PARTITIONS: dict[str, list[str]] = {
    "applied": FUNNEL,
    "pipeline_total": PIPELINE,
    "seats_filled": ENROLMENTS,
    "received": RECEIVED,
    "withdrawn": WITHDRAWN,
    "cancelled": CANCELLED,
    "ended": OUTCOMES,
    **{f"{name}_ended": parts for name, parts in OTHER_OUTCOME_PARTS.items()},
    "later_due": LATER,
    "concerns": CONCERNS,
    "commitments_ended": COMMITMENTS,
    "renewal_volunteers": RENEWALS,
    "hours": HOURS,
    "supervision_active": SUPERVISION,
}
# Single counts, each its own figure.
SINGLE_COUNTS = [
    "approved",
    "first_proposals",
    "proposed",
    "started",
    "active_end",
    "active_during",
    "meetings",
]
# Not counts of people: never suppressed.
ACTIVITY = ["sessions_held", "seats_offered", "match_days"]
# Medians and percentiles, with the count each is based on.
MEASURES = {
    "approval_days_median": "approved",
    "proposal_days_median": "first_proposals",
    "proposal_days_p90": "first_proposals",
    "start_days_median": "started",
    "start_days_p90": "started",
    "length_days_median": "ended",
    "concern_hours_median": "concerns_followed_up",
}


# The topics of figures: each is one aggregate query (a `Part`), two for courses. A table reads
# the topics named beside it in reports/tables.py, so an export computes only those.
TOPICS = (
    "volunteers",
    "courses",
    "commitments",
    "hours",
    "supervision",
    "referrals",
    "shelters",
    "first_proposals",
    "matches",
    "meetings",
    "concerns",
    "cancelled",
)
# The topics sent together in one statement. Two statements rather than one: each stays far
# below the cost at which PostgreSQL starts compiling a query with JIT (jit_above_cost), which
# on the national data set would take longer than the query itself (docs/statistics.md).
STATEMENTS = (
    ("volunteers", "courses", "commitments", "hours", "supervision"),
    ("referrals", "shelters", "first_proposals", "matches", "meetings", "concerns", "cancelled"),
)
# The topic whose query counts each group of figures that is suppressed (publication.py).
GROUP_TOPICS = {
    "applied": "volunteers",
    "pipeline_total": "volunteers",
    "approved": "volunteers",
    "seats_filled": "courses",
    "commitments_ended": "commitments",
    "renewal_volunteers": "commitments",
    "hours": "hours",
    "supervision_active": "supervision",
    "received": "referrals",
    "withdrawn": "referrals",
    "first_proposals": "first_proposals",
    "proposed": "matches",
    "started": "matches",
    "active_end": "matches",
    "active_during": "matches",
    "ended": "matches",
    **{f"{name}_ended": "matches" for name in OTHER_OUTCOMES},
    "later_due": "matches",
    "meetings": "meetings",
    "concerns": "concerns",
    "cancelled": "cancelled",
}


@dataclass
class Figures:
    """The figures of a period for some associations.

    `rows`: per association id, every count and measure. `totals`: the same for all of them
    together (counts are sums of the rows; medians come from their own queries). `monthly`:
    referrals received and matches started per month (first day of the month → count).
    `topics`: the topics computed (the others are left at zero).
    """

    period: Period
    rows: dict[int, dict]
    totals: dict
    monthly: dict[str, dict[date, int]] = field(default_factory=dict)
    by_shelter: list[tuple[str, int]] = field(default_factory=list)
    # Referrals received per county of the municipality where she will live: the municipality
    # group the register gives (accounts.Municipality.county).
    by_county: list[tuple[str, int]] = field(default_factory=list)
    withdrawal_reasons: list[tuple[str, int]] = field(default_factory=list)
    topics: tuple[str, ...] = TOPICS


def oslo():
    return timezone.get_default_timezone()


def _between(name: str, period: Period) -> Q:
    """`name` (a moment) falls on a day of the period."""
    return Q(**{f"{name}__gte": period.start_at, f"{name}__lt": period.end_before})


def _on_days(name: str, period: Period) -> Q:
    """`name` (a date) is a day of the period."""
    return Q(**{f"{name}__gte": period.start, f"{name}__lte": period.end})


def _scope(path: str, association_ids: list[int] | None) -> Q:
    if association_ids is None:
        return Q(**{f"{path}__isnull": False})
    return Q(**{f"{path}__in": association_ids})


def _within(queryset, path: str, association_ids: list[int] | None):
    """A subquery's rows narrowed to the associations counted, when they are a few: the
    query around it asks only about theirs, and hashing one association's rows is quicker
    than everyone's. (For all associations there is nothing to narrow.)"""
    if association_ids is None:
        return queryset
    return queryset.filter(_scope(path, association_ids))


def _status_at_end(period: Period) -> Case:
    """Each volunteer's status at the end of the period; "" when she had not applied yet or
    had left (ended or rejected) before it began.

    Only the current status and when it last changed are stored, so for someone whose status
    changed after the period the status then is worked out from what is known: approved
    before the end (approved, or paused if she is approved now after a pause), or else the
    stage before the one she is in now (docs/statistics.md).
    """
    after = period.end_before
    return Case(
        When(applied_at__gte=after, then=Value("")),
        When(
            Q(status__in=[Status.ENDED, Status.REJECTED], status_changed_at__lt=period.start_at),
            then=Value(""),
        ),
        When(status_changed_at__lt=after, then=F("status")),
        When(approved_at__lt=after, status=Status.APPROVED, then=Value(Status.PAUSED)),
        When(approved_at__lt=after, then=Value(Status.APPROVED)),
        When(status=Status.SCREENING, then=Value(Status.APPLIED)),
        When(status=Status.COURSE, then=Value(Status.SCREENING)),
        When(status__in=[Status.APPROVED, Status.PAUSED], then=Value(Status.COURSE)),
        When(interview_on__lte=period.end, then=Value(Status.SCREENING)),
        default=Value(Status.APPLIED),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class Plan:
    """What a collection computes besides the counts: `measures`, the medians and percentiles
    of each association; `lists`, the referrals and matches per month and the referrals per
    shelter; `totals`, the medians of all associations together (their own branches)."""

    measures: bool = True
    lists: bool = True
    totals: bool = False


# A branch's role: a row per association; one row of medians for all together; the referrals
# per association and shelter; the referrals received, or the matches started, per month.
ROWS, TOTAL, SHELTERS, COUNTIES = "rows", "total", "shelters", "counties"
MONTHLY = {"referrals": "monthly_referrals", "matches": "monthly_matches"}


def _per_month(role: str, queryset, on: str, *, moment: bool) -> tuple[str, Part]:
    """The rows of `queryset` counted per calendar month of `on` (a moment: its Oslo day; or
    a date), the month written as "YYYYMM"."""
    local = {"tzinfo": oslo()} if moment else {}
    month = Cast(ExtractYear(on, **local) * 100 + ExtractMonth(on, **local), CharField())
    return role, Part(queryset.annotate(month=month), {"count": Count("pk")}, label="month")


def _measures(plan: Plan, measures: dict) -> dict:
    return measures if plan.measures else {}


def _total(plan: Plan, queryset, measures: dict) -> list[tuple[str, Part]]:
    """The medians of all associations together, when the plan asks for them."""
    if not (plan.totals and plan.measures):
        return []
    return [(TOTAL, Part(queryset, measures))]


def volunteer_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Applications, the cohort's way through the pipeline, approvals, status at the end."""
    # IN (subquery) rather than EXISTS: PostgreSQL hashes it once, and estimates it so; with
    # EXISTS its estimate passes the JIT threshold and compiling takes ten times the query.
    basic_course_done = _within(
        Enrolment.objects.filter(
            status=EnrolmentStatus.ATTENDED,
            session__course__kind=CourseKind.BASIC,
            session__cancelled_at__isnull=True,
            session__ends_at__lte=timezone.now(),
        ),
        "volunteer__association",
        association_ids,
    ).values("volunteer_id")
    volunteers = Volunteer.objects.filter(
        _scope("association", association_ids), applied_at__lt=period.end_before
    ).annotate(status_at_end=_status_at_end(period))
    applied = _between("applied_at", period) & RECRUITED_HERE
    reached_approval = Q(approved_at__isnull=False)
    reached_course = Q(pk__in=basic_course_done) | reached_approval
    reached_screening = (
        reached_course
        | Q(interview_on__isnull=False)
        | Q(status__in=[Status.SCREENING, Status.COURSE, Status.APPROVED, Status.PAUSED])
    )
    approved_in = _between("approved_at", period) & RECRUITED_HERE
    measures = {
        "approval_days_median": Percentile(
            DaysBetween(
                TruncDate("approved_at", tzinfo=oslo()), TruncDate("applied_at", tzinfo=oslo())
            ),
            0.5,
            filter=approved_in,
        )
    }
    rows = Part(
        volunteers,
        {
            "applied": Count("pk", filter=applied),
            "reached_screening": Count("pk", filter=applied & reached_screening),
            "reached_course": Count("pk", filter=applied & reached_course),
            "reached_approval": Count("pk", filter=applied & reached_approval),
            "approved": Count("pk", filter=approved_in),
            **_measures(plan, measures),
            **{f"status_{s}": Count("pk", filter=Q(status_at_end=s)) for s in Status.values},
        },
        group="association_id",
    )
    return [(ROWS, rows), *_total(plan, volunteers, measures)]


def course_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Sessions held (started, not cancelled; not recorded by an import) in the period, their
    seats and attendance."""
    held = Q(
        recorded_at_import=False,
        cancelled_at__isnull=True,
        starts_at__gte=period.start_at,
        starts_at__lt=min(period.end_before, timezone.now()),
    )
    sessions = Part(
        Session.objects.filter(_scope("association", association_ids), held),
        {"sessions_held": Count("pk"), "seats_offered": Coalesce(Sum("capacity"), 0)},
        group="association_id",
    )
    enrolments = Part(
        Enrolment.objects.filter(
            _scope("session__association", association_ids),
            session__recorded_at_import=False,
            session__cancelled_at__isnull=True,
            session__starts_at__gte=period.start_at,
            session__starts_at__lt=min(period.end_before, timezone.now()),
        ),
        {
            "attended": Count("pk", filter=Q(status=EnrolmentStatus.ATTENDED)),
            "absent": Count("pk", filter=Q(status=EnrolmentStatus.ABSENT)),
            "unregistered": Count("pk", filter=Q(status=EnrolmentStatus.ENROLLED)),
        },
        group="session__association_id",
    )
    return [(ROWS, sessions), (ROWS, enrolments)]


def referral_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Referrals received and where they stood at the end; referrals withdrawn; received per
    month."""
    received = _between("created_at", period)
    withdrawn_in = Q(status=ReferralStatus.WITHDRAWN) & _between("closed_at", period)
    # IN (subquery), hashed once (see volunteer_parts).
    matches = _within(Match.objects.all(), "referral__association", association_ids)
    matched_by_end = Q(pk__in=matches.filter(started_on__lte=period.end).values("referral_id"))
    ever_proposed = Q(pk__in=matches.values("referral_id"))
    referrals = Referral.objects.filter(
        _scope("association", association_ids), received | withdrawn_in
    )
    rows = Part(
        referrals,
        {
            "received": Count("pk", filter=received),
            "received_matched": Count("pk", filter=received & matched_by_end),
            "received_withdrawn": Count(
                "pk",
                filter=received
                & ~matched_by_end
                & Q(status=ReferralStatus.WITHDRAWN, closed_at__lt=period.end_before),
            ),
            "withdrawn_before_proposal": Count("pk", filter=withdrawn_in & ~ever_proposed),
            "withdrawn_after_proposal": Count("pk", filter=withdrawn_in & ever_proposed),
        },
        group="association_id",
    )
    if not plan.lists:
        return [(ROWS, rows)]
    received_in = Referral.objects.filter(_scope("association", association_ids), received)
    return [(ROWS, rows), _per_month(MONTHLY["referrals"], received_in, "created_at", moment=True)]


def shelter_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Referrals received per association and crisis shelter, and per association and county
    of the municipality where she will live (the lists add them up)."""
    if not plan.lists:
        return []
    received = Referral.objects.filter(
        _scope("association", association_ids), _between("created_at", period)
    )
    count = {"count": Count("pk")}
    return [
        (SHELTERS, Part(received, count, group="association_id", label="shelter__name")),
        (
            COUNTIES,
            Part(received, count, group="association_id", label="municipality__county__name"),
        ),
    ]


def first_proposal_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Days from referral to the first proposed match, for referrals first proposed in the
    period."""
    earlier = Match.objects.filter(
        referral=OuterRef("referral"), proposed_at__lt=OuterRef("proposed_at")
    )
    firsts = Match.objects.filter(
        _scope("referral__association", association_ids), _between("proposed_at", period)
    ).filter(~Exists(earlier))
    days = DaysBetween(
        TruncDate("proposed_at", tzinfo=oslo()), TruncDate("referral__created_at", tzinfo=oslo())
    )
    measures = {
        "proposal_days_median": Percentile(days, 0.5),
        "proposal_days_p90": Percentile(days, 0.9),
    }
    rows = Part(
        firsts,
        {"first_proposals": Count("pk"), **_measures(plan, measures)},
        group="referral__association_id",
    )
    return [(ROWS, rows), *_total(plan, firsts, measures)]


def _other_outcomes(ended_in: Q) -> dict[str, Count]:
    """The other outcomes of the matches ended (OTHER_OUTCOME_PARTS), and of each "yes" those
    that came during the match: counted in the same grouped query as the main outcome."""
    counts: dict[str, Count] = {}
    for name in OTHER_OUTCOMES:
        field, yes = f"outcome_{name}", YesNoUnknown.YES
        answered = Q(**{f"{field}__in": [yes, YesNoUnknown.NO]})
        counts[f"{name}_ended"] = Count("pk", filter=ended_in)
        counts[f"{name}_yes"] = Count("pk", filter=ended_in & Q(**{field: yes}))
        counts[f"{name}_during"] = Count(
            "pk", filter=ended_in & Q(**{field: yes, f"{field}_during": True})
        )
        counts[f"{name}_no"] = Count("pk", filter=ended_in & Q(**{field: YesNoUnknown.NO}))
        counts[f"{name}_unknown"] = Count("pk", filter=ended_in & ~answered)
    return counts


def _later_outcome(later_in: Q) -> dict[str, Count]:
    """The outcome six months after the end (LATER), of the matches whose six months came in the
    period: counted in the same grouped query as the outcome at the end."""
    answers = [YesNoUnknown.NO, YesNoUnknown.YES, YesNoUnknown.UNKNOWN]
    return {
        "later_due": Count("pk", filter=later_in),
        "later_no": Count("pk", filter=later_in & Q(later_moved_back=YesNoUnknown.NO)),
        "later_yes": Count("pk", filter=later_in & Q(later_moved_back=YesNoUnknown.YES)),
        "later_after": Count(
            "pk",
            filter=later_in
            & Q(later_moved_back=YesNoUnknown.YES, outcome_moved_back=YesNoUnknown.NO),
        ),
        "later_unknown": Count("pk", filter=later_in & Q(later_moved_back=YesNoUnknown.UNKNOWN)),
        "later_not_recorded": Count("pk", filter=later_in & ~Q(later_moved_back__in=answers)),
    }


def match_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Matches proposed, started, running and ended; outcomes and end reasons; the outcome six
    months after the end; lengths; the days of running matches in the period (for meetings per
    match and month); started per month."""
    proposed_in = _between("proposed_at", period)
    started_in = _on_days("started_on", period)
    ended_in = Q(status=MatchStatus.ENDED) & _on_days("ended_on", period)
    six_months = timedelta(days=LATER_OUTCOME_DAYS)
    later_in = Q(
        status=MatchStatus.ENDED,
        ended_on__gte=period.start - six_months,
        ended_on__lte=period.end - six_months,
    )
    running_during = Q(started_on__lte=period.end) & (
        Q(ended_on__isnull=True) | Q(ended_on__gte=period.start)
    )
    running_at_end = Q(started_on__lte=period.end) & (
        Q(ended_on__isnull=True) | Q(ended_on__gt=period.end)
    )
    end, start = Value(period.end, DateField()), Value(period.start, DateField())
    days_running = (
        DaysBetween(
            Least(Coalesce("ended_on", end, output_field=DateField()), end),
            Greatest("started_on", start),
        )
        + 1
    )
    start_days = DaysBetween("started_on", TruncDate("referral__created_at", tzinfo=oslo()))
    measures = {
        "start_days_median": Percentile(start_days, 0.5, filter=started_in),
        "start_days_p90": Percentile(start_days, 0.9, filter=started_in),
        "length_days_median": Percentile(
            DaysBetween("ended_on", "started_on"), 0.5, filter=ended_in
        ),
    }
    known_reasons = Q(end_reason__in=EndReason.values)
    matches = Match.objects.filter(
        _scope("referral__association", association_ids), proposed_in | running_during | later_in
    )
    rows = Part(
        matches,
        {
            "proposed": Count("pk", filter=proposed_in),
            "started": Count("pk", filter=started_in),
            "active_end": Count("pk", filter=running_at_end),
            "active_during": Count("pk", filter=running_during),
            "ended": Count("pk", filter=ended_in),
            "outcome_no": Count("pk", filter=ended_in & Q(outcome_moved_back=YesNoUnknown.NO)),
            "outcome_yes": Count("pk", filter=ended_in & Q(outcome_moved_back=YesNoUnknown.YES)),
            "outcome_unknown": Count(
                "pk",
                filter=ended_in & ~Q(outcome_moved_back__in=[YesNoUnknown.NO, YesNoUnknown.YES]),
            ),
            **_other_outcomes(ended_in),
            **_later_outcome(later_in),
            **{
                f"end_{r}": Count("pk", filter=ended_in & Q(end_reason=r)) for r in EndReason.values
            },
            "end_not_recorded": Count("pk", filter=ended_in & ~known_reasons),
            "ended_planned": Count("pk", filter=ended_in & Q(end_planned=True)),
            "ended_unplanned": Count("pk", filter=ended_in & Q(end_planned=False)),
            "match_days": Coalesce(Sum(days_running, filter=running_during), 0),
            **_measures(plan, measures),
        },
        group="referral__association_id",
    )
    branches = [(ROWS, rows), *_total(plan, matches, measures)]
    if plan.lists:
        started = Match.objects.filter(_scope("referral__association", association_ids), started_in)
        branches.append(_per_month(MONTHLY["matches"], started, "started_on", moment=False))
    return branches


def meeting_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Meetings held (met, not only tried) on days of the period."""
    meetings = Meeting.objects.filter(
        _scope("match__referral__association", association_ids),
        _on_days("date", period),
        met=True,
    )
    return [
        (ROWS, Part(meetings, {"meetings": Count("pk")}, group="match__referral__association_id"))
    ]


def concern_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Concerns raised in the period and how fast they were followed up (until now)."""
    deadline = F("raised_at") + timedelta(hours=CONCERN_FOLLOW_UP_HOURS)
    followed_up = Q(followed_up_at__isnull=False)
    measures = {
        "concern_hours_median": Percentile(
            HoursBetween("followed_up_at", "raised_at"), 0.5, filter=followed_up
        )
    }
    concerns = Concern.objects.filter(
        _scope("match__referral__association", association_ids), _between("raised_at", period)
    )
    rows = Part(
        concerns,
        {
            "concerns": Count("pk"),
            "concerns_followed_up": Count("pk", filter=followed_up),
            "concern_within_24h": Count("pk", filter=followed_up & Q(followed_up_at__lte=deadline)),
            "concern_later": Count("pk", filter=Q(followed_up_at__gt=deadline)),
            "concern_open": Count("pk", filter=~followed_up),
            **_measures(plan, measures),
        },
        group="match__referral__association_id",
    )
    return [(ROWS, rows), *_total(plan, concerns, measures)]


def commitment_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Commitment periods that ended in the period, by reason (renewed is one of them)."""
    known = Q(end_reason__in=CommitmentEndReason.values)
    ended = CommitmentPeriod.objects.filter(
        _scope("volunteer__association", association_ids), _on_days("ended_on", period)
    )
    rows = Part(
        ended,
        {
            "commitments_ended": Count("pk"),
            **{
                f"commitment_{r}": Count("pk", filter=Q(end_reason=r))
                for r in CommitmentEndReason.values
            },
            "commitment_not_recorded": Count("pk", filter=~known),
            # Each volunteer once, however many of her periods ended in it.
            "renewal_volunteers": Count("volunteer", distinct=True),
            "renewal_renewed": Count(
                "volunteer", distinct=True, filter=Q(end_reason=CommitmentEndReason.RENEWED)
            ),
        },
        group="volunteer__association_id",
    )
    return [(ROWS, rows)]


def hour_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """The time the volunteers of each association gave in the period, summed over all of them
    at once: the minutes logged on meetings where the pair met (on days of the period), and
    the length of the course sessions they attended (held, not cancelled, started in the
    period; not those an import recorded), the supervision group sessions and the gatherings they attended (started in the
    period). As a volunteer's own
    hours count them (volunteers.selectors.volunteer_hours), by the volunteer's association."""
    meetings = Meeting.objects.filter(
        _scope("match__volunteer__association", association_ids),
        _on_days("date", period),
        met=True,
    )
    sessions = Enrolment.objects.filter(
        _scope("volunteer__association", association_ids),
        _between("session__starts_at", period),
        status=EnrolmentStatus.ATTENDED,
        session__recorded_at_import=False,
        session__cancelled_at__isnull=True,
        session__ends_at__lte=timezone.now(),
    )
    supervision = Attendance.objects.filter(
        _scope("volunteer__association", association_ids),
        _between("session__starts_at", period),
    )
    gatherings = GatheringSignUp.objects.filter(
        _scope("volunteer__association", association_ids),
        _between("gathering__starts_at", period),
        status=SignUpStatus.ATTENDED,
        gathering__cancelled_at__isnull=True,  # a cancelled gathering counts no hours
    )
    return [
        (
            ROWS,
            Part(
                meetings,
                {"meeting_minutes": Sum("minutes")},
                group="match__volunteer__association_id",
            ),
        ),
        (
            ROWS,
            Part(
                supervision,
                {
                    "supervision_minutes": Sum(
                        HoursBetween("session__ends_at", "session__starts_at") * Value(60.0)
                    )
                },
                group="volunteer__association_id",
            ),
        ),
        (
            ROWS,
            Part(
                gatherings,
                {
                    "gathering_minutes": Sum(
                        HoursBetween("gathering__ends_at", "gathering__starts_at") * Value(60.0)
                    )
                },
                group="volunteer__association_id",
            ),
        ),
        (
            ROWS,
            Part(
                sessions,
                {
                    "course_minutes": Sum(
                        HoursBetween("session__ends_at", "session__starts_at") * Value(60.0)
                    )
                },
                group="volunteer__association_id",
            ),
        ),
    ]


def supervision_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Supervision attendance on the period's last day (today for a period that ends today):
    the volunteers with an active match that day (started on or before it, not ended by it), and
    how many of them attended a session of a supervision group on one of the 7 × N days that end
    with it, N being their association's expected interval in weeks (supervision.Expectation,
    DEFAULT_EVERY_WEEKS without one). Sessions that have not started yet do not count. By the
    volunteer's association; one grouped query with two EXISTS subqueries, however many
    volunteers."""
    end = period.end
    active = Match.objects.filter(volunteer=OuterRef("pk"), started_on__lte=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=end)
    )
    attended = (
        Attendance.objects.filter(
            volunteer=OuterRef("pk"),
            session__starts_at__lt=min(period.end_before, timezone.now()),
        )
        .annotate(
            days_before=DaysBetween(
                Value(end, DateField()), TruncDate("session__starts_at", tzinfo=oslo())
            )
        )
        .filter(days_before__lt=OuterRef("expected_days"))
    )
    volunteers = (
        Volunteer.objects.filter(_scope("association", association_ids))
        .filter(Exists(active))
        .annotate(
            expected_days=Coalesce(
                F("association__supervision_expectation__every_weeks"),
                Value(DEFAULT_EVERY_WEEKS),
            )
            * Value(7)
        )
        .annotate(met=Exists(attended))
    )
    rows = Part(
        volunteers,
        {
            "supervision_active": Count("pk"),
            "supervision_met": Count("pk", filter=Q(met=True)),
        },
        group="association_id",
    )
    return [(ROWS, rows)]


def cancelled_parts(period: Period, association_ids, plan: Plan) -> list[tuple[str, Part]]:
    """Proposed matches cancelled in the period, by reason."""
    known = Q(match__cancel_reason__in=CancelReason.values)
    events = MatchEvent.objects.filter(
        _scope("match__referral__association", association_ids),
        _between("at", period),
        status=MatchStatus.CANCELLED,
    )
    rows = Part(
        events,
        {
            "cancelled": Count("pk"),
            **{
                f"cancelled_{r}": Count("pk", filter=Q(match__cancel_reason=r))
                for r in CancelReason.values
            },
            "cancelled_not_recorded": Count("pk", filter=~known),
        },
        group="match__referral__association_id",
    )
    return [(ROWS, rows)]


BUILDERS = {
    "volunteers": volunteer_parts,
    "courses": course_parts,
    "commitments": commitment_parts,
    "hours": hour_parts,
    "supervision": supervision_parts,
    "referrals": referral_parts,
    "shelters": shelter_parts,
    "first_proposals": first_proposal_parts,
    "matches": match_parts,
    "meetings": meeting_parts,
    "concerns": concern_parts,
    "cancelled": cancelled_parts,
}


def withdrawal_reason_figures(
    period: Period, association_ids, *, until: datetime | None = None
) -> list[tuple[str, int]]:
    """The reasons (free text) given for referrals withdrawn in the period, most common first
    (`until`: only those withdrawn before that moment, when the counts beside them were taken).
    Only for the association's own coordinators: free text may say more than a count.

    The reasons are stored encrypted (each token differs, even for the same words), so they are
    counted here after decrypting, not grouped by the database; they are few (one per withdrawn
    referral of one association in one period).
    """
    withdrawn = Referral.objects.filter(
        _scope("association", association_ids),
        _between("closed_at", period),
        status=ReferralStatus.WITHDRAWN,
    )
    if until is not None:
        withdrawn = withdrawn.filter(closed_at__lt=until)
    reasons = Counter(
        reason.strip() for reason in withdrawn.values_list("withdrawn_reason", flat=True)
    )
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))


def empty_row() -> dict:
    row: dict[str, int | None] = dict.fromkeys(
        [*PARTITIONS, *SINGLE_COUNTS, *ACTIVITY, "concerns_followed_up"], 0
    )
    for parts in PARTITIONS.values():
        row.update(dict.fromkeys(parts, 0))
    row.update(dict.fromkeys(END_REASONS, 0))
    row.update(dict.fromkeys([f"{name}_during" for name in OTHER_OUTCOMES], 0))
    row.update(later_after=0, ended_planned=0, ended_unplanned=0)
    row.update(dict.fromkeys(MEASURES))
    row.update(reached_screening=0, reached_course=0, reached_approval=0)
    row.update(meeting_minutes=0, course_minutes=0, supervision_minutes=0, gathering_minutes=0)
    return row


def _derive(row: dict) -> None:
    """The figures worked out from others: the funnel's steps, the referrals still waiting, and
    the totals of the partitions counted in parts."""
    row["funnel_application"] = row["applied"] - row["reached_screening"]
    row["funnel_screening"] = row["reached_screening"] - row["reached_course"]
    row["funnel_course"] = row["reached_course"] - row["reached_approval"]
    row["funnel_approved"] = row["reached_approval"]
    row["received_waiting"] = row["received"] - row["received_matched"] - row["received_withdrawn"]
    row["pipeline_total"] = sum(row[key] for key in PIPELINE)
    row["seats_filled"] = sum(row[key] for key in ENROLMENTS)
    row["withdrawn"] = sum(row[key] for key in WITHDRAWN)
    row["renewal_not_renewed"] = row["renewal_volunteers"] - row["renewal_renewed"]
    row["supervision_not_met"] = row["supervision_active"] - row["supervision_met"]
    # Whole hours: each part to the nearest hour, and the total their sum.
    # (No minutes logged on a group's meetings: its sum is NULL.)
    row["meeting_minutes"] = row["meeting_minutes"] or 0
    row["course_minutes"] = row["course_minutes"] or 0
    row["supervision_minutes"] = row["supervision_minutes"] or 0
    row["gathering_minutes"] = row["gathering_minutes"] or 0
    row["hours_meetings"] = round(row["meeting_minutes"] / 60)
    row["hours_courses"] = round(row["course_minutes"] / 60)
    row["hours_supervision"] = round(row["supervision_minutes"] / 60)
    row["hours_gatherings"] = round(row["gathering_minutes"] / 60)
    row["hours"] = sum(row[key] for key in HOURS)


def collect(
    period: Period,
    association_ids: list[int],
    *,
    national: bool = False,
    withdrawal_reasons: bool = False,
    topics: tuple[str, ...] | list[str] = TOPICS,
    plan: Plan | None = None,
) -> Figures:
    """Every figure of `period` for each of `association_ids` and for all of them together,
    in one statement per group of topics (STATEMENTS), whatever the number of associations.

    national=True: the ids are every association (the queries then filter on "has an
    association" rather than a list of ids) and the medians of all together get their own
    branches; otherwise the queries are filtered on the ids before anything is counted, and
    with one id its row is also the total. `topics`: only these (a CSV file's table needs one
    or two); `plan`: what to compute besides the counts (Plan: everything).
    """
    scope = None if national else list(association_ids)
    plan = plan or Plan(totals=national)
    chosen = tuple(topic for topic in TOPICS if topic in topics)
    found: dict[int, dict] = {}
    measured: dict = {}
    shelters: Counter[str] = Counter()
    counties: Counter[str] = Counter()
    monthly: dict[str, dict[date, int]] = {role: {} for role in MONTHLY.values()}
    wanted = set(association_ids)
    for statement in STATEMENTS:
        built = [
            branch
            for topic in statement
            if topic in chosen
            for branch in BUILDERS[topic](period, scope, plan)
        ]
        results = run([part for _role, part in built])
        for (role, _part), answers in zip(built, results, strict=True):
            for result in answers:
                group, label = result.pop("group"), result.pop("label")
                if role == TOTAL:
                    measured.update(result)
                elif role in (SHELTERS, COUNTIES):
                    if group in wanted:
                        listed = shelters if role == SHELTERS else counties
                        listed[label] += result["count"]
                elif role in MONTHLY.values():
                    month = date(int(label) // 100, int(label) % 100, 1)
                    counts = monthly[role]
                    counts[month] = counts.get(month, 0) + result["count"]
                else:
                    found.setdefault(group, {}).update(result)
    rows: dict[int, dict] = {}
    for association_id in association_ids:
        row = empty_row()
        row.update(found.get(association_id, {}))
        _derive(row)
        rows[association_id] = row
    totals: dict
    if national or len(association_ids) != 1:
        totals = {
            key: sum(row[key] for row in rows.values())
            for key in empty_row()
            if key not in MEASURES
        }
        totals.update(dict.fromkeys(MEASURES))
        totals.update(measured)
    else:
        totals = dict(rows[association_ids[0]])
    figures = Figures(period=period, rows=rows, totals=totals, topics=chosen)
    if plan.lists:
        figures.monthly = {kind: monthly[role] for kind, role in MONTHLY.items()}
        figures.by_shelter = sorted(shelters.items(), key=lambda item: (-item[1], item[0]))
        figures.by_county = sorted(counties.items())
    if withdrawal_reasons:
        figures.withdrawal_reasons = withdrawal_reason_figures(period, scope)
    return figures
