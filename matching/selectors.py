"""Read queries shared by the referral and match pages."""

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    Value,
    When,
    Window,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import Association, Membership, User
from common.texts import filled
from matching import scoring
from matching.models import (
    CLOSED,
    OPEN_MATCH,
    RELATIONSHIP_QUESTIONS,
    RUNNING,
    WAITING,
    Concern,
    FollowUp,
    Match,
    MatchEvent,
    MatchStatus,
    Meeting,
    Referral,
    RelationshipAnswer,
    Respondent,
)
from matching.notifications import CONCERN
from notifications.models import Notification
from volunteers.hooks import OpenMatch
from volunteers.models import Status as VolunteerStatus
from volunteers.models import Volunteer

# The shelter sees the volunteer's first name and phone from the first meeting on (it is usually
# held at the shelter, with shelter staff), and nothing else about her.
SHELTER_SEES_VOLUNTEER = (MatchStatus.FIRST_MEETING_PLANNED, MatchStatus.ACTIVE, MatchStatus.PAUSED)


# The coordinator's lists. The start page's cards count exactly the rows of the list they link to:
# both call the same function below. Their thresholds are the programme's rules and live here
# only: the cards', tabs' and empty lists' texts are filled from them, and the reminders that
# share a threshold (matching.reminders) import it.
# Active with nothing logged for this many days (see inactive_matches): the card, the list, the
# match page. The reminders apply their own thresholds through the same inactive_matches().
INACTIVE_MATCH_DAYS = 14
# "Due this week": a follow-up conversation not yet held, due within this many days or overdue.
FOLLOW_UP_DUE_DAYS = 7
# Running and reaching its planned end within this many days (or past it and not yet ended).
MATCH_ENDING_DAYS = 30
STARTING = (MatchStatus.PROPOSED, MatchStatus.FIRST_MEETING_PLANNED)
FINISHED = (MatchStatus.ENDED, MatchStatus.CANCELLED)
# The order of open matches wherever they are listed by stage (the default list, its sections,
# and the lists of proposals, active and ending matches): the running ones by planned end, the
# nearest first; those not started (no planned end yet) by when they were proposed, the longest
# waiting first (and by id where both tie, so that a row keeps its page).
OPEN_MATCH_ORDER = (F("planned_end_on").asc(nulls_last=True), "proposed_at", "pk")
# The default match list shows at most this many rows of each stage, with the count of the stage
# and a link to its own list (a page at a time).
OVERVIEW_SHOWN = 10


class ReferralList(TextChoices):
    """The coordinator's referral list by its `vis` parameter (without it: every open one)."""

    WAITING = "venter", _("Waiting for a volunteer")
    CLOSED = "avsluttet", _("Closed")


class MatchList(TextChoices):
    """The coordinator's match list by its `vis` parameter (without it: every open one by stage)."""

    STARTING = "oppstart", _("Proposed and first meetings")
    RUNNING = "aktive", _("Active and paused")
    FOLLOW_UP = "oppfolging", _("Follow-up due")
    INACTIVE = (
        "stille",
        filled(
            ngettext_lazy("No meeting for %(days)s day", "No meeting for %(days)s days", "days"),
            days=INACTIVE_MATCH_DAYS,
        ),
    )
    ENDING = (
        "slutter",
        filled(
            ngettext_lazy("Ending within %(days)s day", "Ending within %(days)s days", "days"),
            days=MATCH_ENDING_DAYS,
        ),
    )
    CLOSED = "avsluttet", _("Ended and cancelled")


# Her encrypted details that no list shows (a row shows her alias and her needs), and a match's:
# a list leaves them unread, so they are not decrypted once per row. Her page reads them all.
REFERRAL_DETAILS_NOT_LISTED = ("phone", "wishes", "safety_notes", "withdrawn_reason")
MATCH_DETAILS_NOT_LISTED = ("first_meeting_place", "end_note")


def unlisted_details(*, referral: str | None = None, match: str | None = None) -> list[str]:
    """The fields to defer in a list: the referral's at the path `referral` ("" for a list of
    referrals, "referral__" for matches), the match's at `match`."""
    fields = (
        [f"{referral}{name}" for name in REFERRAL_DETAILS_NOT_LISTED]
        if referral is not None
        else []
    )
    if match is not None:
        fields += [f"{match}{name}" for name in MATCH_DETAILS_NOT_LISTED]
    return fields


def referral_queue(user) -> QuerySet:
    """Her association's open referrals, each with `is_waiting`: the waiting ones first, oldest
    first, then those in progress, oldest first (one list, so that it can be paged)."""
    return (
        Referral.objects.for_user(user)
        .exclude(status__in=CLOSED)
        .select_related("shelter", "municipality")
        .defer(*unlisted_details(referral=""))
        .annotate(is_waiting=ExpressionWrapper(Q(status__in=WAITING), output_field=BooleanField()))
        .order_by(F("is_waiting").desc(), "created_at", "pk")
    )


def referrals_waiting(user) -> QuerySet:
    """Referrals waiting for a volunteer, oldest first (the start page's card and its list)."""
    return (
        Referral.objects.for_user(user)
        .waiting()
        .select_related("shelter", "municipality")
        .defer(*unlisted_details(referral=""))
        .order_by("created_at", "pk")
    )


def referrals_closed(user) -> QuerySet:
    """Withdrawn and ended referrals, the most recently closed first, each with `all_matches`
    (newest first; none when she was never matched)."""
    return (
        Referral.objects.for_user(user)
        .filter(status__in=CLOSED)
        .select_related("shelter", "municipality")
        .defer(*unlisted_details(referral=""))
        .prefetch_related(
            Prefetch(
                "matches",
                queryset=Match.objects.for_user(user)
                .select_related("volunteer")
                .defer(*unlisted_details(match=""))
                .order_by("-proposed_at"),
                to_attr="all_matches",
            )
        )
        .order_by(F("closed_at").desc(nulls_last=True), "-status_changed_at", "-pk")
    )


def shelter_referrals(user) -> QuerySet:
    """The shelter's referrals, newest first, each with `visible_matches`: the match the shelter
    may know about (see with_volunteer_contact)."""
    return (
        Referral.objects.for_user(user)
        .select_related("municipality", "association")
        .defer(*unlisted_details(referral=""))
        .prefetch_related(
            Prefetch(
                "matches",
                queryset=Match.objects.filter(status__in=SHELTER_SEES_VOLUNTEER).select_related(
                    "volunteer"
                ),
                to_attr="visible_matches",
            )
        )
        .order_by("-created_at", "-pk")
    )


def shelter_referrals_open(user) -> QuerySet:
    """The shelter's referrals not yet withdrawn or ended, newest first (its start page)."""
    return shelter_referrals(user).exclude(status__in=CLOSED)


def shelter_referral_counts(user) -> dict[str, int]:
    """How many referrals the shelter has made (`total`), and how many of them are open (`open`):
    one query."""
    return Referral.objects.for_user(user).aggregate(
        total=Count("pk"), open=Count("pk", filter=~Q(status__in=CLOSED))
    )


def with_volunteer_contact(referrals: Iterable[Referral]) -> list[Referral]:
    """The rows of shelter_referrals (one page of them), each with `volunteer_contact`."""
    rows: list[Any] = list(referrals)  # rows of shelter_referrals: with `visible_matches`
    for referral in rows:
        referral.volunteer_contact = volunteer_contact_for_shelter(
            referral.visible_matches[0] if referral.visible_matches else None
        )
    return rows


def volunteer_contact_for_shelter(match: Match | None) -> dict | None:
    """Only the volunteer's first name and phone, and only from the first meeting on."""
    if match is None or match.status not in SHELTER_SEES_VOLUNTEER:
        return None
    return {"first_name": match.volunteer.first_name, "phone": match.volunteer.phone}


def earlier_match(user, referral: Referral) -> Match | None:
    """The match of her earlier referral, when she has been referred before and it is one the
    user may see (not when it was followed by another association)."""
    if referral.previous_id is None:
        return None
    return (
        Match.objects.for_user(user)
        .filter(referral_id=referral.previous_id)
        .exclude(status=MatchStatus.CANCELLED)
        .select_related("volunteer")
        .order_by("-proposed_at")
        .first()
    )


def with_row_columns(matches: QuerySet) -> QuerySet:
    """What a row of a match list shows: the referral, the volunteer, the last contact (see
    with_last_contact) and `next_follow_up_on`, the first follow-up conversation not yet held."""
    if "last_contact_on" not in matches.query.annotations:
        matches = with_last_contact(matches)
    next_follow_up = (
        FollowUp.objects.pending()
        .filter(match=OuterRef("pk"))
        .order_by("due_on")
        .values("due_on")[:1]
    )
    return (
        matches.select_related("referral__municipality", "volunteer")
        .defer(*unlisted_details(referral="referral__", match=""))
        .annotate(next_follow_up_on=Subquery(next_follow_up))
    )


def _ending_soon(today: date) -> Q:
    return Q(status__in=RUNNING, planned_end_on__lte=today + timedelta(days=MATCH_ENDING_DAYS))


def match_overview(user, *, today: date | None = None, shown: int = OVERVIEW_SHOWN) -> dict:
    """The coordinator's open matches by stage (`proposed`, `first_meeting`, `running`), and the
    running ones ending within MATCH_ENDING_DAYS (`ending`): each list in OPEN_MATCH_ORDER (as
    the filtered lists), at most `shown` rows of it, with how many it holds in all (`<name>_total`).

    One query: each row is numbered within its stage and counted with window functions, and the
    rows past `shown` are left in the database. The ending ones come first among the running ones
    (the order is by planned end), so the rows of `ending` are the first rows of `running`."""
    today = today or timezone.localdate()
    ending = _ending_soon(today)
    stage = Case(
        When(status=MatchStatus.PROPOSED, then=Value("proposed")),
        When(status=MatchStatus.FIRST_MEETING_PLANNED, then=Value("first_meeting")),
        default=Value("running"),
    )
    matches = list(
        with_row_columns(Match.objects.for_user(user).filter(status__in=OPEN_MATCH))
        .annotate(
            ending_soon=ExpressionWrapper(ending, output_field=BooleanField()),
            stage=stage,
            stage_row=Window(RowNumber(), partition_by=[stage], order_by=OPEN_MATCH_ORDER),
            stage_total=Window(Count("pk"), partition_by=[stage]),
            ending_total=Window(Count("pk", filter=ending)),
        )
        .filter(stage_row__lte=shown)
        .order_by(*OPEN_MATCH_ORDER)
    )
    overview: dict = {"ending_total": matches[0].ending_total if matches else 0}
    for name in ("proposed", "first_meeting", "running"):
        rows = [m for m in matches if m.stage == name]
        overview[name] = rows
        overview[f"{name}_total"] = rows[0].stage_total if rows else 0
    overview["ending"] = [m for m in overview["running"] if m.ending_soon]
    return overview


def matches_starting(user) -> QuerySet:
    """Proposed, or with the first meeting planned."""
    return Match.objects.for_user(user).filter(status__in=STARTING)


def matches_running(user) -> QuerySet:
    """Active or paused."""
    return Match.objects.for_user(user).filter(status__in=RUNNING)


def matches_ending(user, *, today: date | None = None) -> QuerySet:
    """Running and reaching the planned end within MATCH_ENDING_DAYS (or past it)."""
    return Match.objects.for_user(user).filter(_ending_soon(today or timezone.localdate()))


def matches_follow_up_due(user, *, today: date | None = None) -> QuerySet:
    """Matches with a follow-up conversation due within FOLLOW_UP_DUE_DAYS or overdue (by
    FollowUp.objects.due, the rule the reminders use)."""
    by_date = (today or timezone.localdate()) + timedelta(days=FOLLOW_UP_DUE_DAYS)
    due = FollowUp.objects.due(by_date=by_date).filter(match=OuterRef("pk"))
    return Match.objects.for_user(user).filter(Exists(due))


def matches_inactive(user, *, today: date | None = None) -> QuerySet:
    """Active matches with nothing logged for INACTIVE_MATCH_DAYS (see inactive_matches)."""
    return inactive_matches(Match.objects.for_user(user), days=INACTIVE_MATCH_DAYS, today=today)


def matches_finished(user) -> QuerySet:
    """Ended and cancelled matches, with `closed_on`: the end date, or the day it was cancelled."""
    closed_at = (
        MatchEvent.objects.filter(match=OuterRef("pk"), status__in=FINISHED)
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        Match.objects.for_user(user)
        .filter(status__in=FINISHED)
        .annotate(
            closed_on=Coalesce(
                "ended_on", TruncDate(Subquery(closed_at, output_field=DateTimeField()))
            )
        )
    )


def match_list(user, *, show: str, today: date | None = None) -> QuerySet[Match]:
    """The rows of one of the coordinator's filtered match lists (a MatchList value), each with
    what its row shows, the most urgent (or the most recently closed) first; the view shows a
    page of them."""
    today = today or timezone.localdate()
    lists: dict[MatchList, tuple[Callable[[], QuerySet[Match]], tuple[str | Combinable, ...]]] = {
        MatchList.STARTING: (lambda: matches_starting(user), OPEN_MATCH_ORDER),
        MatchList.RUNNING: (lambda: matches_running(user), OPEN_MATCH_ORDER),
        MatchList.FOLLOW_UP: (
            lambda: matches_follow_up_due(user, today=today),
            ("next_follow_up_on", "proposed_at", "pk"),
        ),
        MatchList.INACTIVE: (
            lambda: matches_inactive(user, today=today),
            ("last_contact_on", "proposed_at", "pk"),
        ),
        MatchList.ENDING: (lambda: matches_ending(user, today=today), OPEN_MATCH_ORDER),
        MatchList.CLOSED: (
            lambda: matches_finished(user),
            (F("closed_on").desc(nulls_last=True), "-proposed_at", "-pk"),
        ),
    }
    matches, ordering = lists[MatchList(show)]
    return with_row_columns(matches()).order_by(*ordering)


def volunteer_matches(user, volunteer) -> QuerySet:
    """A volunteer's matches as her coordinator sees them, newest first."""
    return (
        Match.objects.for_user(user)
        .filter(volunteer=volunteer)
        .select_related("referral")
        .order_by("-proposed_at")
    )


def meeting_minutes(volunteer, start: date, end: date) -> QuerySet:
    """The minutes logged on her matches' meetings where they met, from `start` up to `end`
    (not included): one row, one integer column, for her hours (volunteers.hooks.HoursSource;
    registered in matching/apps.py). Every match of hers counts, ended ones too."""
    return (
        Meeting.objects.filter(match__volunteer=volunteer, met=True, date__gte=start, date__lt=end)
        .order_by()
        .values("match__volunteer")
        .annotate(total=Sum("minutes"))
        .values("total")
    )


def volunteer_open_matches(volunteer) -> list[OpenMatch]:
    """Her open matches, with whose woman each is: volunteers refuses to end or erase her while
    she has one (volunteers.hooks; registered in matching/apps.py)."""
    return [
        OpenMatch(association_id=association_id, association_name=name)
        for association_id, name in Match.objects.filter(
            volunteer=volunteer, status__in=OPEN_MATCH
        ).values_list("referral__association_id", "referral__association__name")
    ]


def volunteers_with_open_matches() -> QuerySet:
    """The ids of every volunteer with an open match (a subquery; volunteers.hooks)."""
    return Match.objects.filter(status__in=OPEN_MATCH).values("volunteer_id")


def open_matches_of(user) -> QuerySet:
    return Match.objects.for_user(user).filter(status__in=OPEN_MATCH)


def with_last_contact(matches: QuerySet) -> QuerySet:
    """Adds `last_meeting_on` (the last logged meeting or attempt) and `last_contact_on` (that,
    or the start of the match when nothing is logged yet)."""
    last = Meeting.objects.filter(match=OuterRef("pk")).order_by("-date").values("date")[:1]
    return matches.annotate(
        last_meeting_on=Subquery(last), last_contact_on=Coalesce(Subquery(last), F("started_on"))
    )


def inactive_matches(matches: QuerySet, *, days: int, today=None) -> QuerySet:
    """THE definition of an inactive match, used by every page, count and reminder: active (not
    paused), and nothing logged - no meeting, no attempt - for `days` days (counted from the
    start while nothing is logged)."""
    today = today or timezone.localdate()
    return with_last_contact(matches.filter(status=MatchStatus.ACTIVE)).filter(
        last_contact_on__lte=today - timedelta(days=days)
    )


def my_meetings(user, *, limit: int = 100) -> QuerySet:
    """The meetings a volunteer has logged, the newest first, at most `limit`."""
    return (
        Meeting.objects.for_user(user)
        .select_related("match__referral")
        .defer(*unlisted_details(referral="match__referral__", match="match__"))
        .order_by("-date", "-created_at")[:limit]
    )


# --- Whom a volunteer can turn to ----------------------------------------------------------------


def shelters_for_volunteer(user) -> list:
    """The shelters that referred the women of her open matches, once she has confirmed she
    knows neither the woman nor the abuser: before the conflict check she must not learn where
    the woman is staying."""
    matches = (
        open_matches_of(user)
        .filter(conflict_checked_at__isnull=False)
        .select_related("referral__shelter")
    )
    return sorted({match.referral.shelter for match in matches}, key=lambda shelter: shelter.name)


def my_open_matches(user) -> list[Match]:
    """Her open matches for her own page, oldest proposal first, each with what its card shows:
    the referral (municipality, shelter, languages), `last_meeting_on`, and `coordinators` (the
    coordinators who follow it: those of the woman's association). Three queries in all."""
    matches = list(
        with_last_contact(
            open_matches_of(user)
            .select_related("referral__municipality", "referral__shelter")
            .prefetch_related("referral__languages")
            .order_by("proposed_at")
        )
    )
    following: dict[int, list[User]] = {}
    if matches:
        for membership in (
            Membership.objects.active_coordinators()
            .present()  # whom she can reach now: not one who is away (her stand-ins instead)
            .filter(association_id__in={m.referral.association_id for m in matches})
            .select_related("user")
            .order_by("user__first_name", "user__last_name")
        ):
            following.setdefault(membership.association_id, []).append(membership.user)
    for match in matches:
        match.coordinators = following.get(match.referral.association_id, [])
    return matches


def coordinators_for_volunteer(user, association_id: int) -> QuerySet:
    """Her own association's coordinators and those following her open matches: a match with a
    woman of a neighbouring association is followed, and its concerns read, by that
    association's coordinators."""
    followed_by = open_matches_of(user).values("referral__association_id")
    # One set of associations, so the logins are found through the memberships' index (an OR of
    # two sets made PostgreSQL read every login).
    associations = Association.objects.filter(Q(pk=association_id) | Q(pk__in=followed_by))
    return User.objects.active_coordinators_of(associations.values("pk")).order_by(
        "first_name", "last_name"
    )


# --- Proposals ----------------------------------------------------------------------------------


def reachable_association_ids(referral: Referral) -> set[int]:
    """THE rule for whose volunteers may be proposed for a referral: her own association's, or
    a neighbouring association's within reach (settings.MATCHING_NEIGHBOUR_KM)."""
    return {referral.association_id} | set(
        scoring.neighbour_association_ids(referral, settings.MATCHING_NEIGHBOUR_KM)
    )


def proposable_volunteers(user, referral: Referral) -> QuerySet:
    """The volunteers a coordinator may name in a proposal for this referral: hers, and the
    approved volunteers of the associations within reach (whom the suggestions show her)."""
    return Volunteer.objects.for_user(user) | Volunteer.objects.filter(
        association_id__in=reachable_association_ids(referral), status=VolunteerStatus.APPROVED
    )


def matching_weights_history(limit: int = 10) -> QuerySet:
    """The newest changes of the matching weights (from the change history), with who made them."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from matching.models import MatchingWeights

    return (
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(MatchingWeights))
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:limit]
    )


# --- A concern: who was told -------------------------------------------------------------------


def concern_alerts(concern: Concern) -> list[Notification]:
    """Who was told of `concern` (the coordinators present when it was raised, or their
    stand-ins), oldest first, and when each opened it: part of what has been done, on the
    concern's page. One query."""
    return list(
        Notification.objects.filter(
            kind=CONCERN, link=reverse("concern_detail", args=[concern.public_id])
        )
        .select_related("recipient")
        .order_by("created_at", "pk")
    )


def relationship_trend(match: Match, user) -> dict | None:
    """How the pair is doing, as the match page shows it to the match's coordinators (one
    query, from RelationshipAnswer.for_user: anyone else gets None): the conversations at which
    someone answered, and per question the woman's and the volunteer's answers at each, with the
    direction of the latest change ("up", "down", "same"; None with fewer than two answers)."""
    answers = list(
        RelationshipAnswer.objects.for_user(user)
        .filter(follow_up__match=match)
        .select_related("follow_up")
        .order_by("follow_up__due_on", "respondent")
    )
    if not answers:
        return None
    follow_ups = list({a.follow_up_id: a.follow_up for a in answers}.values())
    by = {(a.follow_up_id, a.respondent): a for a in answers}
    questions = []
    for name, _to_woman, _to_volunteer, short in RELATIONSHIP_QUESTIONS:
        rows = []
        for respondent, label in Respondent.choices:
            values = [
                getattr(by[(f.pk, respondent)], name) if (f.pk, respondent) in by else None
                for f in follow_ups
            ]
            given = [v for v in values if v is not None]
            direction = None
            if len(given) >= 2:
                direction = (
                    "up" if given[-1] > given[-2] else "down" if given[-1] < given[-2] else "same"
                )
            asked = [(f.pk, respondent) in by for f in follow_ups]
            rows.append(
                {"label": label, "cells": list(zip(values, asked, strict=True)), "trend": direction}
            )
        questions.append({"name": name, "label": short, "rows": rows})
    return {"follow_ups": follow_ups, "questions": questions}
