"""Read queries shared by the volunteer pages."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    DurationField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Enrolment, EnrolmentStatus, GatheringSignUp, SignUpStatus
from courses.selectors import annotate_completion
from volunteers import hooks
from volunteers.models import (
    ACTIVE,
    LEFT,
    CommitmentPeriod,
    ConfidentialityDeclaration,
    Status,
    Volunteer,
    VolunteerAction,
)

# A year of commitment "ends soon" within this many days: the start page's card, the list it
# links to and the reminder (volunteers.reminders) all use this one number.
COMMITMENT_ENDING_DAYS = 30
# Lists follow the pipeline: new applications first, those who left last.
STAGE_ORDER = Case(
    *[When(status=status, then=Value(rank)) for rank, status in enumerate(Status)],
    output_field=IntegerField(),
)


def with_open_commitment(volunteers: QuerySet) -> QuerySet:
    open_period = CommitmentPeriod.objects.open().filter(volunteer=OuterRef("pk"))
    return volunteers.annotate(
        commitment_starts_on=Subquery(open_period.values("starts_on")[:1]),
        commitment_ends_on=Subquery(open_period.values("ends_on")[:1]),
    )


def volunteer_list(user, *, filters: dict) -> QuerySet:
    """The coordinator's list: her association's applicants and volunteers, filtered, with
    course completion and the end of the open commitment computed in the same query."""
    mine = Volunteer.objects.for_user(user)
    if filters.get("q"):
        mine = mine.search(filters["q"])
    volunteers: QuerySet = (
        mine.select_related("municipality")
        .prefetch_related("languages")
        .order_by(STAGE_ORDER, "first_name", "last_name", "pk")
    )
    volunteers = with_open_commitment(annotate_completion(volunteers))
    if filters.get("status"):
        volunteers = volunteers.filter(status=filters["status"])
    if filters.get("municipality"):
        volunteers = volunteers.filter(municipality=filters["municipality"])
    if filters.get("language"):
        volunteers = volunteers.filter(languages__code=filters["language"])
    if filters.get("course_complete") == "yes":
        volunteers = volunteers.filter(required_courses_complete=True)
    elif filters.get("course_complete") == "no":
        volunteers = volunteers.filter(required_courses_complete=False)
    if filters.get("commitment_ending"):
        limit = timezone.localdate() + timedelta(days=COMMITMENT_ENDING_DAYS)
        volunteers = volunteers.filter(status__in=ACTIVE, commitment_ends_on__lte=limit)
    return volunteers


def volunteer_sheet(user) -> QuerySet:
    """Her association's volunteers for the spreadsheet export (volunteers.importing), not the
    erased: with municipality, languages and commitments in three queries, and the day she last
    completed a course required for matching (`course_completed_at`) in the same query."""
    attended = Q(
        enrolments__status=EnrolmentStatus.ATTENDED,
        enrolments__session__course__required_for_matching=True,
        enrolments__session__cancelled_at__isnull=True,
        enrolments__session__ends_at__lte=timezone.now(),
    )
    return (
        Volunteer.objects.for_user(user)
        .filter(erased_at__isnull=True)
        .exclude(status__in=LEFT)  # only those still in the programme: no more is needed
        .select_related("municipality__county")
        .prefetch_related("languages", "commitments")
        .annotate(course_completed_at=Max("enrolments__session__ends_at", filter=attended))
        .order_by("first_name", "last_name", "pk")
    )


def volunteer_detail(user, public_id) -> Volunteer:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        annotate_completion(
            Volunteer.objects.for_user(user).select_related(
                "municipality__county",
                "association",
                "interview_by",
                "police_certificate_seen_by",
                "confidentiality_version",
                "user",
                "imported_by",
            )
        ).prefetch_related(
            "languages",
            "commitments__pauses",
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.select_related("session__course").order_by(
                    "-session__starts_at"
                ),
            ),
        ),
        public_id=public_id,
    )


@dataclass(frozen=True)
class HerYear:
    """Her year as she sees it on her start page: the period she is in, and how far she has
    renewed it (the end of the period after it, when she renewed early)."""

    period: CommitmentPeriod
    renewed_until: date | None


def her_year(volunteer: Volunteer, today: date) -> HerYear | None:
    """The period she is in today. After an early renewal the open period starts when the running
    one ends: the running one is hers today (closed as renewed, it still runs until its end),
    and the renewal is said beside it. One query."""
    periods = list(
        volunteer.commitments.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today)).order_by(
            "starts_on"
        )
    )
    if not periods:
        return None
    running = running_period(periods, today)
    assert running is not None
    last = periods[-1]
    return HerYear(running, last.ends_on if last is not running else None)


def running_period(periods, today: date) -> CommitmentPeriod | None:
    """THE rule for the period she is in today, from her periods (already fetched): of those
    not ended by today, the first started by today (after an early renewal the open period
    starts in the future, and the running one is hers), else the first to come."""
    current = sorted(
        (p for p in periods if p.ended_on is None or p.ended_on > today),
        key=lambda p: p.starts_on,
    )
    if not current:
        return None
    return next((p for p in current if p.starts_on <= today), current[0])


def commitments_ending(user) -> QuerySet:
    """Active volunteers whose open commitment period ends within COMMITMENT_ENDING_DAYS: the
    start page's card and the list it links to (`?commitment_ending=on`)."""
    return volunteer_list(user, filters={"commitment_ending": True})


def applications_waiting(user) -> QuerySet:
    """Applications not yet handled: the start page's card and its list (`?status=applied`)."""
    return volunteer_list(user, filters={"status": Status.APPLIED})


def confidentiality_overdue(today: date | None = None) -> Q:
    """THE condition for a volunteer who has not signed, within CONFIDENTIALITY_SIGN_DAYS of its
    publication, a version of the confidentiality declaration (or a newer one): she is not
    suggested for matching (matching.scoring), and she and her coordinators are reminded
    (volunteers.reminders). One condition on her own row, with subqueries that do not depend on
    her (no join): the newest version due by now, and the versions at least as new."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.CONFIDENTIALITY_SIGN_DAYS)
    due = ConfidentialityDeclaration.objects.filter(valid_from__lte=cutoff)
    newest_due = due.order_by("-version").values("version")[:1]
    good_enough = ConfidentialityDeclaration.objects.filter(
        version__gte=Subquery(newest_due)
    ).values("pk")
    return Q(Exists(due)) & ~Q(confidentiality_version__in=good_enough)


def unsigned_current_declaration(
    association_id: int,
) -> tuple[ConfidentialityDeclaration | None, QuerySet]:
    """Active volunteers who have not signed the current confidentiality declaration, each
    with `overdue` (confidentiality_overdue: not suggested for matching until she signs)."""
    current = ConfidentialityDeclaration.current()
    volunteers = Volunteer.objects.filter(
        association_id=association_id, status__in=ACTIVE, erased_at__isnull=True
    )
    if current is not None:
        volunteers = volunteers.exclude(confidentiality_version=current)
    return current, volunteers.annotate(
        overdue=Case(
            When(confidentiality_overdue(), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    ).select_related("confidentiality_version").order_by("first_name", "last_name", "pk")


def unsigned_count(current: ConfidentialityDeclaration | None) -> int:
    """How many active volunteers, in every association, have not signed `current`: a count
    for NKS sentralt, never who."""
    if current is None:
        return 0
    return (
        Volunteer.objects.filter(status__in=ACTIVE, erased_at__isnull=True)
        .exclude(confidentiality_version=current)
        .count()
    )


def upcoming_sessions_of(volunteer: Volunteer) -> QuerySet:
    return (
        Enrolment.objects.filter(volunteer=volunteer, session__ends_at__gte=timezone.now())
        .exclude(status="cancelled")
        .select_related("session__course")
        .order_by("session__starts_at")
    )


# --- The next step on her page ------------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    """What her coordinator most likely does next, shown as the page's one primary button: a
    change of status (`transition`, posted to volunteer_transition) or a page (`url`)."""

    code: str
    label: str
    url: str = ""
    transition: str = ""


def next_step(volunteer: Volunteer, *, screening_missing: list[str], matches=()) -> NextStep | None:
    """THE one decision of the next step for her coordinator, by her stage (None: nothing to do
    now, or she has left). Asks the database nothing: `volunteer` is read by volunteer_detail()
    (her enrolments, `required_courses_complete`), `screening_missing` is
    services.screening_missing(volunteer) and `matches` her matches (hooks.matches_shown)."""
    if volunteer.refusal(VolunteerAction.CHANGE_STATUS):
        return None
    page = volunteer.get_absolute_url()
    status = volunteer.status
    record = NextStep("screening", _("Record the next screening step"), url=f"{page}#screening")
    if status == Status.APPLIED:
        return NextStep("start_screening", _("Start screening"), transition=Status.SCREENING)
    if status == Status.SCREENING:
        if screening_missing:
            return record
        return NextStep(
            "to_course", _("Screening done: on to the course"), transition=Status.COURSE
        )
    if status == Status.PAUSED:
        return NextStep("resume", _("Resume after the pause"), transition=Status.APPROVED)
    if status not in (Status.COURSE, Status.APPROVED):
        return None
    if not _courses_complete(volunteer):
        now = timezone.now()
        seats = [e for e in volunteer.enrolments.all() if e.status == EnrolmentStatus.ENROLLED]
        held = [e for e in seats if e.session.starts_at <= now and e.session.cancelled_at is None]
        if held:
            return NextStep(
                "attendance",
                _("Register attendance"),
                url=reverse("session_attendance", args=[held[0].session.public_id]),
            )
        if any(e.session.starts_at > now and e.session.cancelled_at is None for e in seats):
            return None  # she has a seat: the session comes first
        return NextStep(
            "enrol",
            _("Enrol her on a course session"),
            url=reverse("volunteer_sessions", args=[volunteer.public_id]),
        )
    if screening_missing:
        return record
    if status == Status.COURSE:
        return NextStep(
            "approve",
            _("Approve as ressursvenn"),
            url=reverse("volunteer_approve", args=[volunteer.public_id]),
        )
    if not any(period.is_open for period in volunteer.commitments.all()):
        return NextStep("commitment", _("Renew her year of commitment"), url=f"{page}#commitment")
    if sum(1 for match in matches if getattr(match, "is_open", False)) >= volunteer.capacity:
        return None  # as many women as she can take
    return NextStep("find_match", _("Find a woman to match her with"), url=reverse("referral_list"))


def _courses_complete(volunteer: Volunteer) -> bool:
    complete = getattr(volunteer, "required_courses_complete", None)
    if complete is None:
        from courses.selectors import has_completed_required_courses

        return has_completed_required_courses(volunteer)
    return bool(complete)


# --- Her hours -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearHours:
    """Her hours in one calendar year: each kind of time (meetings, courses, ...) in its order,
    as (label, hours), and the total. The labels are lazy: the certificate is written in its own
    language."""

    year: int
    parts: list[tuple[Any, float]]

    @property
    def total(self) -> float:
        return sum(hours for _label, hours in self.parts)


def _course_minutes(start: date, end: date) -> QuerySet:
    """The length of the course sessions she attended (held and not cancelled; not those an
    import recorded: her course before she was moved in) that started from `start` up to `end`
    (not included), as one duration."""
    zone = timezone.get_current_timezone()
    return (
        Enrolment.objects.filter(
            volunteer=OuterRef("pk"),
            status=EnrolmentStatus.ATTENDED,
            session__recorded_at_import=False,
            session__cancelled_at__isnull=True,
            session__ends_at__lte=timezone.now(),
            session__starts_at__gte=datetime.combine(start, time.min, tzinfo=zone),
            session__starts_at__lt=datetime.combine(end, time.min, tzinfo=zone),
        )
        .order_by()
        .values("volunteer")
        .annotate(total=Sum(F("session__ends_at") - F("session__starts_at")))
        .values("total")
    )


def _gathering_minutes(start: date, end: date) -> QuerySet:
    """The length of the gatherings she attended that started from `start` up to `end` (not
    included), as one duration."""
    zone = timezone.get_current_timezone()
    return (
        GatheringSignUp.objects.filter(
            volunteer=OuterRef("pk"),
            status=SignUpStatus.ATTENDED,
            # A cancelled gathering was not held: it counts no hours.
            gathering__cancelled_at__isnull=True,
            gathering__starts_at__gte=datetime.combine(start, time.min, tzinfo=zone),
            gathering__starts_at__lt=datetime.combine(end, time.min, tzinfo=zone),
        )
        .order_by()
        .values("volunteer")
        .annotate(total=Sum(F("gathering__ends_at") - F("gathering__starts_at")))
        .values("total")
    )


def _hours(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, timedelta):
        return value.total_seconds() / 3600
    return value / 60


def volunteer_hours(volunteer: Volunteer, years: list[int]) -> list[YearHours]:
    """Her hours in each of `years`: the minutes logged on her matches' meetings where they met
    (matching, through volunteers.hooks), the length of the course sessions and the gatherings
    she attended, and what later apps register. Summed in the database, in one query however many years."""
    sources = hooks.hours_sources()
    annotations = {}
    for year in years:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
        for number, source in enumerate(sources):
            annotations[f"y{year}_{number}"] = Subquery(
                source.minutes(OuterRef("pk"), start, end),
                output_field=DurationField() if source.duration else IntegerField(),
            )
        annotations[f"y{year}_courses"] = Subquery(
            _course_minutes(start, end), output_field=DurationField()
        )
        annotations[f"y{year}_gatherings"] = Subquery(
            _gathering_minutes(start, end), output_field=DurationField()
        )
    row = Volunteer.objects.filter(pk=volunteer.pk).values(**annotations).get()
    return [
        YearHours(
            year=year,
            parts=[
                *(
                    (source.label, _hours(row[f"y{year}_{number}"]))
                    for number, source in enumerate(sources)
                ),
                (gettext_lazy("Courses"), _hours(row[f"y{year}_courses"])),
                (gettext_lazy("Gatherings"), _hours(row[f"y{year}_gatherings"])),
            ],
        )
        for year in years
    ]


def recent_hours(volunteer: Volunteer) -> list[YearHours]:
    """This year and last year, as her page and her coordinator's show them."""
    this_year = timezone.localdate().year
    return volunteer_hours(volunteer, [this_year, this_year - 1])
