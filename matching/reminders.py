"""Reminder rules about matches and referrals (run by notifications.reminders.sweep).

Each rule asks the database one question (plus one for the coordinators) and returns who is due.
Each rule's threshold, its notification kind (the neutral text, filled from the threshold) and
its query stand together below. A threshold used by a coordinator's list as well lives with the
list (matching.selectors) and is imported here; the retention warning is a setting.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import Role, coordinators_by_association
from matching.models import (
    LATER_OUTCOME_DAYS,
    RUNNING,
    FollowUp,
    Match,
    MatchStatus,
    Meeting,
    Referral,
    ReferralStatus,
    case_ref,
)
from matching.selectors import MATCH_ENDING_DAYS, inactive_matches
from notifications.kinds import register
from notifications.reminders import Due, Rule
from volunteers.reminders import RETENTION_SOON


def working_days_before(today: date, days: int) -> date:
    """`days` working days (Monday–Friday) before today. Public holidays are not counted out."""
    day = today
    while days:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _to_coordinators(rows) -> list[Due]:
    """rows: (object_id, association_id, period, link, referral's public id) → one Due per
    coordinator present (a stand-in's while one is away), named by the referral's number."""
    rows = list(rows)
    coordinators = coordinators_by_association(row[1] for row in rows)
    return [
        Due(
            object_id,
            user_id,
            period,
            link,
            Role.COORDINATOR,
            association_id,
            reference=case_ref(referral_id),
        )
        for object_id, association_id, period, link, referral_id in rows
        for user_id in coordinators.get(association_id, [])
    ]


# --- No meeting: the volunteer, then the coordinators ---


def log_link(public_id) -> str:
    """The meeting form with this match chosen: where her reminders to log one lead (and what
    matching.services.meeting_log marks done once she has logged a meeting of the match)."""
    return f"{reverse('meeting_log')}?kobling={public_id}"


# She is reminded when her active match has had nothing logged for this many days.
VOLUNTEER_NO_MEETING_DAYS = 14
NO_MEETING_VOLUNTEER = register(
    "no_meeting_volunteer",
    _("It is a while since you logged a meeting. Log in to log one."),
    in_app_text=_("It is a while since you logged a meeting. Have you met?"),
)


def no_meeting_volunteer(today: date) -> list[Due]:
    rows = inactive_matches(
        Match.objects.filter(volunteer__user__isnull=False),
        days=VOLUNTEER_NO_MEETING_DAYS,
        today=today,
    ).values_list(
        "pk", "volunteer__user_id", "last_contact_on", "volunteer__association_id", "public_id"
    )
    return [
        Due(pk, user_id, last.isoformat(), log_link(public_id), Role.VOLUNTEER, association_id)
        for pk, user_id, last, association_id, public_id in rows
    ]


# Her coordinators are told when nothing is logged for this many days.
COORDINATOR_NO_MEETING_DAYS = 28
NO_MEETING_COORDINATOR = register(
    "no_meeting_coordinator",
    ngettext_lazy(
        "A match has had no meeting logged for %(days)s day.",
        "A match has had no meeting logged for %(days)s days.",
        "days",
    ),
    numbers={"days": COORDINATOR_NO_MEETING_DAYS},
    group_text=ngettext_lazy(
        "%(count)s match has had no meeting logged for %(days)s days",
        "%(count)s matches have had no meeting logged for %(days)s days",
        "count",
    ),
)


def no_meeting_coordinator(today: date) -> list[Due]:
    rows = inactive_matches(
        Match.objects.all(), days=COORDINATOR_NO_MEETING_DAYS, today=today
    ).values_list(
        "pk", "referral__association_id", "last_contact_on", "public_id", "referral__public_id"
    )
    return _to_coordinators(
        (pk, association_id, last.isoformat(), reverse("match_detail", args=[public_id]), ref)
        for pk, association_id, last, public_id, ref in rows
    )


# --- She could not reach her ---

# She is encouraged to try again this many days after an attempt with nothing logged since.
TRY_AGAIN_DAYS = 3
TRY_AGAIN = register("try_again", _("Last time you could not reach her. Perhaps try again?"))


def try_again(today: date) -> list[Due]:
    """She tried and could not reach her; nothing logged since, for TRY_AGAIN_DAYS days."""
    later = Meeting.objects.filter(match=OuterRef("match"), date__gt=OuterRef("date"))
    rows = (
        Meeting.objects.filter(
            met=False,
            date__lte=today - timedelta(days=TRY_AGAIN_DAYS),
            date__gte=today - timedelta(days=TRY_AGAIN_DAYS + 14),
            match__status__in=RUNNING,
            match__volunteer__user__isnull=False,
        )
        .exclude(Exists(later))
        .values_list(
            "match_id",
            "match__volunteer__user_id",
            "pk",
            "match__volunteer__association_id",
            "match__public_id",
        )
    )
    return [
        Due(match_id, user_id, str(meeting_id), log_link(public_id), Role.VOLUNTEER, association_id)
        for match_id, user_id, meeting_id, association_id, public_id in rows
    ]


# --- A referral waiting for a coordinator ---

# The coordinators are reminded of a referral still received after this many working days.
REFERRAL_WAITING_WORKING_DAYS = 2
REFERRAL_WAITING = register(
    "referral_waiting",
    ngettext_lazy(
        "A referral has waited %(days)s working day for you.",
        "A referral has waited %(days)s working days for you.",
        "days",
    ),
    numbers={"days": REFERRAL_WAITING_WORKING_DAYS},
    group_text=ngettext_lazy(
        "%(count)s referral has waited %(days)s working days for you",
        "%(count)s referrals have waited %(days)s working days for you",
        "count",
    ),
)


def referral_waiting(today: date) -> list[Due]:
    cutoff = working_days_before(today, REFERRAL_WAITING_WORKING_DAYS)
    rows = Referral.objects.filter(
        status=ReferralStatus.RECEIVED, created_at__date__lte=cutoff
    ).values_list("pk", "association_id", "public_id")
    return _to_coordinators(
        (pk, association_id, "", reverse("referral_detail", args=[public_id]), public_id)
        for pk, association_id, public_id in rows
    )


# --- A follow-up conversation on its due date (matching.models.FOLLOW_UP_SCHEDULE) ---

FOLLOW_UP_DUE = register(
    "follow_up_due",
    _("A follow-up conversation is due."),
    group_text=ngettext_lazy(
        "%(count)s follow-up conversation is due",
        "%(count)s follow-up conversations are due",
        "count",
    ),
)


def follow_up_due(today: date) -> list[Due]:
    rows = FollowUp.objects.due(by_date=today).values_list(
        "pk",
        "match__referral__association_id",
        "due_on",
        "match__public_id",
        "match__referral__public_id",
    )
    return _to_coordinators(
        (pk, association_id, due.isoformat(), reverse("match_detail", args=[match_id]), ref)
        for pk, association_id, due, match_id, ref in rows
    )


# --- A match nearing its planned end (selectors.MATCH_ENDING_DAYS, as the list and the card) ---

MATCH_ENDING = register(
    "match_ending",
    ngettext_lazy(
        "A match reaches its planned end within %(days)s day: time for the closing conversation.",
        "A match reaches its planned end within %(days)s days: time for the closing conversation.",
        "days",
    ),
    numbers={"days": MATCH_ENDING_DAYS},
    group_text=ngettext_lazy(
        "%(count)s match reaches its planned end within %(days)s days",
        "%(count)s matches reach their planned end within %(days)s days",
        "count",
    ),
)


def match_ending(today: date) -> list[Due]:
    rows = Match.objects.filter(
        status__in=RUNNING,
        planned_end_on__gte=today,
        planned_end_on__lte=today + timedelta(days=MATCH_ENDING_DAYS),
    ).values_list(
        "pk", "referral__association_id", "planned_end_on", "public_id", "referral__public_id"
    )
    return _to_coordinators(
        (pk, association_id, end.isoformat(), reverse("match_detail", args=[public_id]), ref)
        for pk, association_id, end, public_id, ref in rows
    )


# --- Six months after the end: ask how she is doing (LATER_OUTCOME_DAYS) ---

LATER_OUTCOME = register(
    "later_outcome",
    _(
        # Neutral: no word that could out her on a lock screen (not even "shelter").
        "It is half a year since a match was ended. Ask how things are going, and record it."
    ),
    group_text=ngettext_lazy(
        "%(count)s match ended half a year ago: ask how things are going",
        "%(count)s matches ended half a year ago: ask how things are going",
        "count",
    ),
)


def later_outcome(today: date) -> list[Due]:
    """An ended match LATER_OUTCOME_DAYS after its end (within a fortnight, so a sweep missed is
    made up), not recorded yet and her data not erased: to its coordinators."""
    day = today - timedelta(days=LATER_OUTCOME_DAYS)
    rows = Match.objects.filter(
        status=MatchStatus.ENDED,
        ended_on__lte=day,
        ended_on__gt=day - timedelta(days=14),
        later_moved_back="",
        referral__erased_at__isnull=True,
    ).values_list("pk", "referral__association_id", "ended_on", "public_id", "referral__public_id")
    return _to_coordinators(
        (pk, association_id, end.isoformat(), reverse("match_detail", args=[public_id]), ref)
        for pk, association_id, end, public_id, ref in rows
    )


# --- A referral's personal data to be erased (settings.RETENTION_WARNING_DAYS before) ---
# The kind, RETENTION_SOON, is the volunteers' rule's: one text for every erasure warning.


def retention_soon(today: date) -> list[Due]:
    """Coordinators are told RETENTION_WARNING_DAYS before a referral's personal data is erased."""
    from matching.retention import due

    soon = due(today + timedelta(days=settings.RETENTION_WARNING_DAYS)).values_list(
        "pk", "association_id", "public_id"
    )
    return _to_coordinators(
        (pk, association_id, "", reverse("referral_detail", args=[public_id]), public_id)
        for pk, association_id, public_id in soon
    )


RULES = [
    Rule(
        "matching.no_meeting_volunteer",
        NO_MEETING_VOLUNTEER,
        no_meeting_volunteer,
        digestible=False,
    ),
    Rule("matching.no_meeting_coordinator", NO_MEETING_COORDINATOR, no_meeting_coordinator),
    Rule("matching.try_again", TRY_AGAIN, try_again, digestible=False),
    Rule("matching.referral_waiting", REFERRAL_WAITING, referral_waiting),
    Rule("matching.follow_up_due", FOLLOW_UP_DUE, follow_up_due),
    Rule("matching.match_ending", MATCH_ENDING, match_ending),
    Rule("matching.retention_soon", RETENTION_SOON, retention_soon),
    Rule("matching.later_outcome", LATER_OUTCOME, later_outcome),
]
