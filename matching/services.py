"""State changes for referrals and matches. Each is one transaction and lists its effects.

The referral's status follows its match; both change only here. Shelter staff are told when
their referral changes status, volunteers when they are proposed, coordinators when there is
something to do - always by a neutral notification that carries no detail.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.geo import route_to_association
from accounts.models import Association, Role, User, coordinators_by_association
from matching import notifications as kinds
from matching import reminders, scoring, selectors
from matching.models import (
    CLOSED,
    FOLLOW_UP_SCHEDULE,
    LATER_OUTCOME_DAYS,
    MATCH_TRANSITIONS,
    MEETING_MAX_MINUTES,
    OPEN_MATCH,
    OUTCOMES_DURING,
    REFERRAL_TRANSITIONS,
    RELATIONSHIP_ASKED_AT,
    RELATIONSHIP_DROP,
    RELATIONSHIP_FIELDS,
    RELATIONSHIP_LOW,
    RELATIONSHIP_SCALE,
    RUNNING,
    WAITING,
    WEIGHT_MAX,
    WITHDRAWABLE,
    CancelReason,
    Concern,
    ConflictCheckHow,
    FollowUp,
    FollowUpKind,
    Match,
    MatchEvent,
    MatchingWeights,
    MatchStatus,
    Meeting,
    Referral,
    ReferralEvent,
    ReferralLanguage,
    ReferralStatus,
    RelationshipAnswer,
    Respondent,
    YesNoUnknown,
    match_planned_end,
    meeting_duration_refusal,
)
from notifications.kinds import NotificationKind
from notifications.services import notifications_mark_done, notify
from volunteers.models import Volunteer, VolunteerAction


class MatchingError(Exception):
    """A change the rules do not allow; the message is for the person who tried."""


def _coordinators(association_id: int) -> list[User]:
    return list(User.objects.active_coordinators_of(association_id))


def _shelter_staff(shelter_id: int) -> list[User]:
    return list(
        User.objects.filter(
            memberships__shelter_id=shelter_id,
            memberships__role=Role.SHELTER_STAFF,
            memberships__ended_at__isnull=True,
            is_active=True,
        ).distinct()
    )


# The statuses the shelter is told about.
TOLD_TO_SHELTER = {
    ReferralStatus.MATCH_PROPOSED,
    ReferralStatus.FIRST_MEETING_PLANNED,
    ReferralStatus.ACTIVE,
    ReferralStatus.ENDED,
}


def _referral_status(referral: Referral, status: str, *, also: tuple[str, ...] = ()) -> None:
    """The one door to a referral's status: move `referral` to `status` if REFERRAL_TRANSITIONS
    allows it, stamping when (and when it closed, if it did; reopened, it is no longer closed),
    saving `also` in the same write."""
    if status not in REFERRAL_TRANSITIONS[referral.status]:
        raise MatchingError(
            _("The referral cannot go from «%(current)s» to «%(target)s».")
            % {
                "current": ReferralStatus(referral.status).label,
                "target": ReferralStatus(status).label,
            }
        )
    referral.status = status
    referral.status_changed_at = timezone.now()
    fields = ["status", "status_changed_at", *also]
    if status in CLOSED:
        referral.closed_at = referral.status_changed_at
        fields.append("closed_at")
    elif referral.closed_at is not None:  # reopened (for a new match): open again
        referral.closed_at = None
        fields.append("closed_at")
    referral.save(update_fields=fields)


def _set_referral_status(
    referral: Referral, status: str, *, by: User | None, also: tuple[str, ...] = ()
) -> None:
    """_referral_status, then a "status changed" event; the shelter is told of some statuses."""
    _referral_status(referral, status, also=also)
    ReferralEvent.objects.create(
        referral=referral, kind=ReferralEvent.Kind.STATUS, status=status, by=by
    )
    if status in TOLD_TO_SHELTER:
        _tell_shelter(referral, by=by)


def _tell_shelter(referral: Referral, *, by: User | None) -> None:
    """The staff of the shelter that referred her: "a referral from you has a new status"."""
    notify(
        recipients=[u for u in _shelter_staff(referral.shelter_id) if u != by],
        kind=kinds.REFERRAL_STATUS,
        link=referral.get_absolute_url(),
        role=Role.SHELTER_STAFF,
        shelter_id=referral.shelter_id,
        reference=referral.case_ref,
    )


# --- Referrals ---------------------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    shelter,
    by: User,
    data: dict,
    languages: list[str],
    avoid: list,
    previous: Referral | None = None,
) -> Referral:
    """A shelter refers a woman, with her consent.

    Routed to the association covering the municipality where she will live (or the nearest).
    Side effects: creates the Referral, its languages and avoid list, a "received" event;
    notifies the association's coordinators.
    """
    if not data.get("consent_on"):
        raise MatchingError(_("A referral cannot be saved without her consent."))
    municipality = data["municipality"]
    if municipality in avoid:
        raise MatchingError(_("The municipality where she will live cannot also be one to avoid."))
    association, _outside = route_to_association(municipality)
    if association is None:
        raise MatchingError(_("No local association runs Ressursvenner yet. Contact NKS sentralt."))
    referral = Referral.objects.create(
        shelter=shelter,
        association=association,
        created_by=by,
        consent_recorded_by=by,
        previous=previous,
        **data,
    )
    referral.avoid_municipalities.set(avoid)
    codes = list(dict.fromkeys([data["preferred_language"], *languages]))
    ReferralLanguage.objects.bulk_create(
        [ReferralLanguage(referral=referral, code=c) for c in codes]
    )
    ReferralEvent.objects.create(
        referral=referral,
        kind=ReferralEvent.Kind.RECEIVED,
        status=ReferralStatus.RECEIVED,
        to_association=association,
        by=by,
    )
    notify(
        recipients=_coordinators(association.pk),
        kind=kinds.NEW_REFERRAL,
        link=referral.get_absolute_url(),
        role=Role.COORDINATOR,
        association_id=association.pk,
        reference=referral.case_ref,
    )
    return referral


@transaction.atomic
def referral_take(*, referral: Referral, by: User) -> Referral:
    """A coordinator starts matching. Side effects: status being matched (the shelter sees it)."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status != ReferralStatus.RECEIVED:
        raise MatchingError(_("The referral is already being handled."))
    _set_referral_status(locked, ReferralStatus.BEING_MATCHED, by=by)
    return locked


@transaction.atomic
def referral_transfer(*, referral: Referral, to: Association, reason: str, by: User) -> Referral:
    """Send a waiting referral to another association, with a reason both sides see.

    Side effects: changes the association, back to received; a "transferred" event; notifies the
    new association's coordinators.
    """
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status not in WAITING:
        raise MatchingError(
            _("Only a referral that is waiting for a volunteer can be transferred.")
        )
    if to.pk == locked.association_id:
        raise MatchingError(_("Choose another association."))
    if not reason.strip():
        raise MatchingError(_("Give a reason for the transfer."))
    ReferralEvent.objects.create(
        referral=locked,
        kind=ReferralEvent.Kind.TRANSFERRED,
        from_association_id=locked.association_id,
        to_association=to,
        reason=reason.strip(),
        by=by,
    )
    locked.association = to
    _referral_status(locked, ReferralStatus.RECEIVED, also=("association",))
    notify(
        recipients=_coordinators(to.pk),
        kind=kinds.NEW_REFERRAL,
        link=locked.get_absolute_url(),
        role=Role.COORDINATOR,
        association_id=to.pk,
        reference=locked.case_ref,
    )
    return locked


@transaction.atomic
def referral_withdraw(*, referral: Referral, reason: str, by: User) -> Referral:
    """The shelter withdraws a referral before its match is active.

    Side effects: status withdrawn with the reason; an open (not yet active) match is
    cancelled; the coordinators are notified.
    """
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status not in WITHDRAWABLE:
        raise MatchingError(_("A referral can only be withdrawn before the match is active."))
    if not reason.strip():
        raise MatchingError(_("Give a reason for the withdrawal."))
    for match in locked.matches.filter(status__in=OPEN_MATCH):
        match.cancel_reason = CancelReason.WITHDRAWN
        _match_status(match, MatchStatus.CANCELLED, by=by, also=("cancel_reason",))
    locked.withdrawn_reason = reason.strip()
    _set_referral_status(locked, ReferralStatus.WITHDRAWN, by=by, also=("withdrawn_reason",))
    notify(
        recipients=_coordinators(locked.association_id),
        kind=kinds.REFERRAL_WITHDRAWN,
        link=locked.get_absolute_url(),
        role=Role.COORDINATOR,
        association_id=locked.association_id,
        reference=locked.case_ref,
    )
    return locked


# --- Matches -----------------------------------------------------------------------------------


def _match_status(
    match: Match, status: str, *, by: User | None, also: tuple[str, ...] = ()
) -> None:
    """Move `match` to `status` if MATCH_TRANSITIONS allows it, saving `also` in the same write.

    Side effects: a MatchEvent; the volunteer is told (_tell_the_volunteer); a proposal that
    leaves "proposed" no longer waits for her answer, so its notification is marked done.
    """
    if status not in MATCH_TRANSITIONS[match.status]:
        raise MatchingError(
            _("The match cannot go from «%(current)s» to «%(target)s».")
            % {"current": MatchStatus(match.status).label, "target": MatchStatus(status).label}
        )
    was = match.status
    match.status = status
    match.save(update_fields=["status", *also])
    MatchEvent.objects.create(match=match, status=status, by=by)
    her = _her_login(match)
    if was == MatchStatus.PROPOSED and her:
        _proposal_done(match, her)
    kind = _TOLD_TO_THE_VOLUNTEER.get((was, status)) or _TOLD_TO_THE_VOLUNTEER.get((None, status))
    if kind and her:
        _tell_the_volunteer(match, kind, by=by, her=her)


# What the volunteer is told when someone else moves her match ((from, to); None: from any).
_TOLD_TO_THE_VOLUNTEER: dict[tuple[str | None, str], NotificationKind] = {
    (None, MatchStatus.FIRST_MEETING_PLANNED): kinds.FIRST_MEETING_SET,
    (MatchStatus.PAUSED, MatchStatus.ACTIVE): kinds.MATCH_RESUMED,
    (None, MatchStatus.ACTIVE): kinds.MATCH_ACTIVE,
    (None, MatchStatus.PAUSED): kinds.MATCH_PAUSED,
    (None, MatchStatus.ENDED): kinds.MATCH_ENDED,
    (None, MatchStatus.CANCELLED): kinds.MATCH_CANCELLED,
}


# News that makes earlier unread news about the same match untrue or needless: marked done.
_NEWS = (
    kinds.FIRST_MEETING_SET,
    kinds.FIRST_MEETING_MOVED,
    kinds.MATCH_ACTIVE,
    kinds.MATCH_PAUSED,
    kinds.MATCH_RESUMED,
)
_SUPERSEDES: dict[str, tuple[NotificationKind, ...]] = {
    kinds.FIRST_MEETING_MOVED: (kinds.FIRST_MEETING_SET,),
    kinds.MATCH_ACTIVE: (kinds.FIRST_MEETING_SET, kinds.FIRST_MEETING_MOVED),
    kinds.MATCH_PAUSED: (kinds.MATCH_RESUMED,),
    kinds.MATCH_RESUMED: (kinds.MATCH_PAUSED,),
    kinds.MATCH_ENDED: _NEWS,
    kinds.MATCH_CANCELLED: _NEWS,
}


def _her_login(match: Match) -> tuple[int, int] | None:
    """The volunteer's login and association (user id, association id); None without a login."""
    her = Volunteer.objects.filter(pk=match.volunteer_id).values_list("user_id", "association_id")
    found = her.first()
    return found if found and found[0] else None


def _proposal_done(match: Match, her: tuple[int, int]) -> None:
    """She has answered the proposal (or it was withdrawn): it no longer waits for her."""
    notifications_mark_done(
        recipient_id=her[0], of_kinds=[kinds.MATCH_PROPOSED], link=match.get_volunteer_url()
    )


def _tell_the_volunteer(
    match: Match, kind: NotificationKind, *, by: User | None, her: tuple[int, int]
) -> None:
    """When someone else changes her match (plans or moves the first meeting, activates,
    pauses, resumes, ends or cancels it), the volunteer is told what kind of thing happened,
    neutrally (never about the woman), with a link to the match's card on her page. News of the
    same kind about the same match replaces the earlier one (read or not), and
    news it makes untrue (paused, then resumed) is marked done (_SUPERSEDES)."""
    user_id, association_id = her
    if by is not None and by.pk == user_id:
        return
    if kind in _SUPERSEDES:
        notifications_mark_done(
            recipient_id=user_id, of_kinds=_SUPERSEDES[kind], link=match.get_volunteer_url()
        )
    notify(
        recipients=[User.objects.get(pk=user_id)],
        kind=kind,
        link=match.get_volunteer_url(),
        role=Role.VOLUNTEER,
        association_id=association_id,
        replace=True,
    )


@transaction.atomic
def match_propose(
    *, referral: Referral, volunteer: Volunteer, by: User, shorter: bool = False
) -> Match:
    """Propose a volunteer for a waiting referral. Nothing is decided automatically: this is the
    coordinator's choice, checked against every hard rule. `shorter`: the coordinator confirms
    on purpose a match shorter than its planned year, because the volunteer's commitment ends
    before it (without it such a volunteer is refused).

    Side effects: creates the Match (proposed) and its first event; with `shorter`, who
    confirmed it and when her commitment ends are recorded on the match; the referral becomes
    "match proposed"; the volunteer is asked (by notification) to confirm the conflict check.
    """
    # The race: two coordinators proposing the last free place of one volunteer at the same
    # moment. Locking her row makes the second wait, then count the first one's match.
    locked_volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    locked_referral = Referral.objects.select_for_update().get(pk=referral.pk)
    # Never someone erased or who has left, whatever the request names (Volunteer.refusal).
    refusal = locked_volunteer.refusal(VolunteerAction.PROPOSE)
    if refusal:
        raise MatchingError(refusal)
    if locked_referral.status not in WAITING:
        raise MatchingError(_("The referral is not waiting for a volunteer."))
    if locked_volunteer.association_id not in selectors.reachable_association_ids(locked_referral):
        raise MatchingError(
            _("This volunteer belongs to an association too far away for this referral.")
        )
    score = scoring.eligible_score(locked_referral, locked_volunteer, shorter_ok=shorter)
    if score is None:
        raise MatchingError(
            _("%(name)s cannot be matched with this referral now (see why under «Not eligible»).")
            % {"name": locked_volunteer.first_name}
        )
    commitment_ends = None
    if shorter:
        commitment = locked_volunteer.commitments.open().first()
        if commitment is None or commitment.ends_on >= match_planned_end(timezone.localdate()):
            raise MatchingError(
                _("Her commitment lasts the match's planned year: propose her as usual.")
            )
        commitment_ends = commitment.ends_on
    match = Match.objects.create(
        referral=locked_referral,
        volunteer=locked_volunteer,
        score=score,
        proposed_by=by,
        shorter_confirmed_by=by if shorter else None,
        shorter_commitment_ends_on=commitment_ends,
    )
    MatchEvent.objects.create(match=match, status=MatchStatus.PROPOSED, by=by)
    _set_referral_status(locked_referral, ReferralStatus.MATCH_PROPOSED, by=by)
    if locked_volunteer.user_id:
        notify(
            recipients=[locked_volunteer.user],
            kind=kinds.MATCH_PROPOSED,
            link=match.get_volunteer_url(),
            role=Role.VOLUNTEER,
            association_id=locked_volunteer.association_id,
            replace=True,
        )
    return match


@transaction.atomic
def match_confirm_conflict_check(*, match: Match, by: User) -> Match:
    """The volunteer confirms she does not know the woman or the abuser.

    Side effects: records when; her "a proposal waits for your answer" is marked done;
    notifies the coordinators.
    """
    locked = Match.objects.select_for_update().get(pk=match.pk)
    if locked.status != MatchStatus.PROPOSED:
        raise MatchingError(_("This proposal is no longer open."))
    locked.conflict_checked_at = timezone.now()
    locked.save(update_fields=["conflict_checked_at"])
    her = _her_login(locked)
    if her:
        _proposal_done(locked, her)
    notify(
        recipients=_coordinators(locked.referral.association_id),
        kind=kinds.MATCH_ACCEPTED,
        link=locked.get_absolute_url(),
        role=Role.COORDINATOR,
        association_id=locked.referral.association_id,
        reference=locked.referral.case_ref,
    )
    return locked


@transaction.atomic
def match_record_conflict_check(*, match: Match, on: date, how: str, by: User) -> Match:
    """The coordinator records that the volunteer confirmed the conflict check to her (by
    phone, in person or by email): for a volunteer without a login, so the match is not stuck.

    Side effects: records when she confirmed, how, and who recorded it; her "a proposal waits
    for your answer" is marked done if she has a login. The coordinators are not notified (one
    of them recorded it).
    """
    locked = Match.objects.select_for_update().get(pk=match.pk)
    if locked.status != MatchStatus.PROPOSED:
        raise MatchingError(_("This proposal is no longer open."))
    if locked.conflict_checked_at:
        raise MatchingError(_("The conflict check is already confirmed."))
    if how not in ConflictCheckHow.values:
        raise MatchingError(_("Choose how she confirmed."))
    now = timezone.localtime()
    if on > now.date():
        raise MatchingError(_("The date cannot be in the future."))
    if on < timezone.localtime(locked.proposed_at).date():
        raise MatchingError(_("She cannot have confirmed before she was proposed."))
    at = now if on == now.date() else datetime.combine(on, datetime.min.time()).replace(hour=12)
    locked.conflict_checked_at = timezone.make_aware(at) if timezone.is_naive(at) else at
    locked.conflict_check_how, locked.conflict_check_recorded_by = how, by
    locked.save(
        update_fields=["conflict_checked_at", "conflict_check_how", "conflict_check_recorded_by"]
    )
    her = _her_login(locked)
    if her:
        _proposal_done(locked, her)
    return locked


@transaction.atomic
def match_cancel(*, match: Match, reason: str, by: User) -> Match:
    """Cancel a match before it is active: the volunteer declines, the woman does not want it,
    or the coordinator changes the plan. The pair is then never suggested again.

    Side effects: status cancelled with the reason; the referral waits again (being matched);
    the coordinators are notified when the volunteer declined.
    """
    locked = Match.objects.select_for_update().get(pk=match.pk)
    if reason not in CancelReason.values:
        raise MatchingError(_("Choose a reason."))
    locked.cancel_reason = reason
    _match_status(locked, MatchStatus.CANCELLED, by=by, also=("cancel_reason",))
    referral = Referral.objects.select_for_update().get(pk=locked.referral_id)
    if referral.status not in (ReferralStatus.WITHDRAWN,):
        _set_referral_status(referral, ReferralStatus.BEING_MATCHED, by=by)
    if reason == CancelReason.VOLUNTEER_DECLINED:
        notify(
            recipients=_coordinators(referral.association_id),
            kind=kinds.MATCH_DECLINED,
            link=locked.get_absolute_url(),
            role=Role.COORDINATOR,
            association_id=referral.association_id,
            reference=referral.case_ref,
        )
    return locked


@transaction.atomic
def match_plan_first_meeting(*, match: Match, at: datetime, place: str, by: User) -> Match:
    """Plan the first meeting (usually at the shelter, with shelter staff). Only after the
    volunteer has confirmed the conflict check.

    Side effects: status first meeting planned; the referral follows (the shelter is told and
    now sees the volunteer's first name and phone).
    """
    locked = Match.objects.select_for_update().get(pk=match.pk)
    if locked.status == MatchStatus.FIRST_MEETING_PLANNED:
        locked.first_meeting_at, locked.first_meeting_place = at, place
        locked.save(update_fields=["first_meeting_at", "first_meeting_place"])
        her = _her_login(locked)
        if her:
            _tell_the_volunteer(locked, kinds.FIRST_MEETING_MOVED, by=by, her=her)
        return locked
    if not locked.conflict_checked_at:
        raise MatchingError(
            _("The volunteer must first confirm that she knows neither the woman nor the abuser.")
        )
    locked.first_meeting_at, locked.first_meeting_place = at, place
    _match_status(
        locked,
        MatchStatus.FIRST_MEETING_PLANNED,
        by=by,
        also=("first_meeting_at", "first_meeting_place"),
    )
    _set_referral_status(locked.referral, ReferralStatus.FIRST_MEETING_PLANNED, by=by)
    return locked


@transaction.atomic
def match_activate(*, match: Match, started_on: date, by: User) -> Match:
    """The first meeting has taken place: the match is active for a planned year.

    Side effects: status active, started and planned end (one year later); the volunteer's
    "last matched" is set (for fairness in waiting time); the referral becomes active. (The
    follow-up conversations are planned by the meetings issue's service.)
    """
    locked = Match.objects.select_for_update().get(pk=match.pk)
    if locked.status != MatchStatus.FIRST_MEETING_PLANNED:
        # A paused match is resumed, not activated: activating would restart its year.
        raise MatchingError(_("Only a match with its first meeting planned can become active."))
    if not locked.conflict_checked_at:
        raise MatchingError(
            _("The volunteer must first confirm that she knows neither the woman nor the abuser.")
        )
    if started_on > timezone.localdate():
        raise MatchingError(_("The first meeting cannot be in the future."))
    locked.started_on = started_on
    locked.planned_end_on = match_planned_end(started_on)
    _match_status(locked, MatchStatus.ACTIVE, by=by, also=("started_on", "planned_end_on"))
    follow_ups_plan(locked)
    started_at = timezone.make_aware(datetime.combine(started_on, datetime.min.time()))
    Volunteer.objects.filter(pk=locked.volunteer_id).update(last_matched_at=started_at)
    _set_referral_status(locked.referral, ReferralStatus.ACTIVE, by=by)
    return locked


@transaction.atomic
def match_pause(*, match: Match, by: User) -> Match:
    """Side effects: status paused (it still takes the volunteer's place)."""
    locked = Match.objects.select_for_update().get(pk=match.pk)
    _match_status(locked, MatchStatus.PAUSED, by=by)
    return locked


@transaction.atomic
def match_resume(*, match: Match, by: User) -> Match:
    """Side effects: status active again."""
    locked = Match.objects.select_for_update().get(pk=match.pk)
    if locked.status != MatchStatus.PAUSED:
        raise MatchingError(_("Only a paused match can be resumed."))
    _match_status(locked, MatchStatus.ACTIVE, by=by)
    return locked


OUTCOME_FIELDS = (
    "end_planned",
    "end_initiated_by",
    "end_reason",
    "end_note",
    "new_match_for_woman",
    "new_match_for_volunteer",
    "outcome_moved_back",
    "outcome_housing",
    "outcome_work_or_study",
    "outcome_network",
    "outcome_help_services",
    *OUTCOMES_DURING.values(),
)


@transaction.atomic
def match_end(*, match: Match, ended_on: date, by: User, **outcome) -> Match:
    """End an active (or paused) match, recording how it ended and the outcome the programme
    is measured on: did she move back to the abuser?

    Side effects: status ended with the date and outcome; the referral is ended (closed); the
    volunteer's place is free again. Ended before its planned year (match_ended_early): the
    follow-up conversations not yet held are cancelled (kept, marked cancelled today) and the
    closing conversation, if not yet held, moves to the end date.
    """
    locked = Match.objects.select_for_update().get(pk=match.pk)
    if not outcome.get("outcome_moved_back"):
        raise MatchingError(_("Record whether she moved back to the abuser (yes, no or unknown)."))
    if locked.started_on and ended_on < locked.started_on:
        raise MatchingError(_("The match cannot end before it started."))
    if ended_on > timezone.localdate():
        raise MatchingError(_("The end date cannot be in the future."))
    for name, during in OUTCOMES_DURING.items():
        if outcome.get(during) is not None and outcome.get(name) != YesNoUnknown.YES:
            raise MatchingError(
                _("Whether it came during the match is recorded only when the answer is yes.")
            )
    for name in OUTCOME_FIELDS:
        setattr(locked, name, outcome.get(name, getattr(locked, name)))
    locked.ended_on = ended_on
    _match_status(locked, MatchStatus.ENDED, by=by, also=(*OUTCOME_FIELDS, "ended_on"))
    _set_referral_status(locked.referral, ReferralStatus.ENDED, by=by)
    if match_ended_early(locked):
        _follow_ups_end_early(locked)
    return locked


def match_ended_early(match: Match) -> bool:
    """The one definition: a match ended before its planned year was over."""
    return bool(match.ended_on and match.planned_end_on and match.ended_on < match.planned_end_on)


def later_outcome_from(match: Match) -> date | None:
    """The first day the six-month outcome can be recorded (None: the match has not ended)."""
    if match.status != MatchStatus.ENDED or match.ended_on is None:
        return None
    return match.ended_on + timedelta(days=LATER_OUTCOME_DAYS)


def later_outcome_refusal(match: Match, today: date | None = None) -> str | None:
    """Why the six-month outcome cannot be recorded on this match now (None: it can). The
    rule: an ended match, from LATER_OUTCOME_DAYS after its end until its data is erased."""
    start = later_outcome_from(match)
    if start is None:
        return _("The outcome six months later is recorded on an ended match.")
    if match.referral.erased_at is not None:
        return _("Her data is erased: the outcome six months later can no longer be recorded.")
    if (today or timezone.localdate()) < start:
        return _("The outcome six months later can be recorded from %(date)s.") % {
            "date": date_format(start, "SHORT_DATE_FORMAT")
        }
    return None


@transaction.atomic
def match_later_outcome(*, match: Match, later_moved_back: str, by: User) -> Match:
    """Record (or correct) whether she had moved back to the abuser six months after the end.

    Side effects: later_moved_back, later_recorded_on (today) and later_recorded_by are set;
    the six-month reminder is marked done for each coordinator it went to.
    """
    locked = (
        Match.objects.select_related("referral").select_for_update(of=("self",)).get(pk=match.pk)
    )
    refusal = later_outcome_refusal(locked)
    if refusal:
        raise MatchingError(refusal)
    if later_moved_back not in YesNoUnknown.values:
        raise MatchingError(_("Answer yes, no or unknown."))
    locked.later_moved_back = later_moved_back
    locked.later_recorded_on = timezone.localdate()
    locked.later_recorded_by = by
    locked.save(update_fields=["later_moved_back", "later_recorded_on", "later_recorded_by"])
    association_id = locked.referral.association_id
    for user_id in {by.pk, *coordinators_by_association([association_id]).get(association_id, [])}:
        notifications_mark_done(
            recipient_id=user_id, of_kinds=[reminders.LATER_OUTCOME], link=locked.get_absolute_url()
        )
    return locked


def _follow_ups_end_early(match: Match) -> None:
    """The follow-ups of a match that ended early: those not yet held are cancelled today (one
    save each, so the change history has them), the closing conversation moves to the end."""
    today = timezone.localdate()
    for follow_up in match.follow_ups.pending():
        if follow_up.kind == FollowUpKind.CLOSING:
            follow_up.due_on = match.ended_on
            follow_up.save(update_fields=["due_on"])
        else:
            follow_up.cancelled_on = today
            follow_up.save(update_fields=["cancelled_on"])


def reopen_refusal(referral: Referral) -> str | None:
    """Why this referral cannot be reopened for a new match (None: it can). The rule: ended
    (and not erased), and the closure of her last match said a new match would be right for her.
    """
    if referral.erased_at is not None or referral.status != ReferralStatus.ENDED:
        return _("Only an ended referral can be reopened.")
    last = referral.matches.filter(status=MatchStatus.ENDED).order_by("-ended_on", "-pk").first()
    if last is None or last.new_match_for_woman is not True:
        return _(
            "A referral is reopened only when the closure said a new match would be right for her."
        )
    return None


@transaction.atomic
def referral_reopen(
    *, referral: Referral, consent_again: bool, consent_on: date, by: User
) -> Referral:
    """Open an ended referral again for a new match, in one step: the closure of her last match
    said a new match would be right for her, and the coordinator confirms she has consented
    again.

    Side effects: the new consent date and who recorded it (the earlier one stays in the
    change history); status being matched (through REFERRAL_TRANSITIONS; no longer closed), so
    it waits in the coordinators' queue; a "reopened" event in the referral's history; the
    shelter that referred her is told its referral has a new status.
    """
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    refusal = reopen_refusal(locked)
    if refusal:
        raise MatchingError(refusal)
    if not consent_again:
        raise MatchingError(_("Confirm that she has consented again."))
    if consent_on > timezone.localdate():
        raise MatchingError(_("The date cannot be in the future."))
    locked.consent_on, locked.consent_recorded_by = consent_on, by
    _referral_status(
        locked, ReferralStatus.BEING_MATCHED, also=("consent_on", "consent_recorded_by")
    )
    ReferralEvent.objects.create(
        referral=locked,
        kind=ReferralEvent.Kind.REOPENED,
        status=ReferralStatus.BEING_MATCHED,
        by=by,
    )
    _tell_shelter(locked, by=by)
    return locked


# --- Meetings, concerns and follow-up conversations -------------------------------------------


def _check_meeting(match: Match, *, day: date, met: bool, minutes: int | None) -> None:
    if match.status not in RUNNING:
        raise MatchingError(_("Meetings can only be logged while the match is active."))
    if day > timezone.localdate():
        raise MatchingError(_("The date cannot be in the future."))
    if match.started_on and day < match.started_on:
        raise MatchingError(_("The date cannot be before the match started."))
    if met and not minutes:
        raise MatchingError(_("Give the duration of the meeting."))
    if minutes is not None and not 1 <= minutes <= MEETING_MAX_MINUTES:
        raise MatchingError(meeting_duration_refusal())


def meeting_locked_message() -> str:
    """Why she cannot change an entry any more (settings.MEETING_EDIT_DAYS)."""
    days = settings.MEETING_EDIT_DAYS
    return ngettext(
        "The entry is locked: it can be changed for %(days)s day after it was logged.",
        "The entry is locked: it can be changed for %(days)s days after it was logged.",
        days,
    ) % {"days": days}


@transaction.atomic
def meeting_log(
    *,
    match: Match,
    by: User,
    day: date,
    met: bool,
    minutes: int | None,
    activities: int,
    note: str = "",
    concern: str = "",
) -> Meeting:
    """The volunteer logs a meeting (or an attempt that did not reach her).

    With "I am worried": a Concern is saved with it, and the association's coordinators get an
    in-app notification and an email at once - written in this same transaction and delivered
    by a worker after commit, saying only that a concern was raised, with a link.
    Side effects: creates the Meeting (and the Concern); notifications and outbox emails; her
    reminders to log a meeting of this match are marked done.
    """
    locked = Match.objects.select_for_update().get(pk=match.pk)
    _check_meeting(locked, day=day, met=met, minutes=minutes)
    meeting = Meeting.objects.create(
        match=locked,
        date=day,
        met=met,
        minutes=minutes if met else None,
        activities=activities if met else 0,
        note=note.strip(),
        created_by=by,
    )
    if concern.strip():
        concern_raise(match=locked, by=by, text=concern, meeting=meeting)
    # Her reminders to log a meeting of this match (matching.reminders) are done.
    notifications_mark_done(
        recipient_id=by.pk,
        of_kinds=[reminders.NO_MEETING_VOLUNTEER, reminders.TRY_AGAIN],
        link=reminders.log_link(locked.public_id),
    )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by: User,
    day: date,
    met: bool,
    minutes: int | None,
    activities: int,
    note: str = "",
) -> Meeting:
    """She corrects her own entry, within MEETING_EDIT_DAYS of logging it; then it is locked.

    Side effects: updates the Meeting.
    """
    locked = Meeting.objects.select_for_update().select_related("match").get(pk=meeting.pk)
    if locked.created_by_id != by.pk:
        raise MatchingError(_("Only the volunteer who logged the meeting can change it."))
    if locked.is_locked:
        raise MatchingError(meeting_locked_message())
    _check_meeting(locked.match, day=day, met=met, minutes=minutes)
    locked.date, locked.met = day, met
    locked.minutes = minutes if met else None
    locked.activities = activities if met else 0
    locked.note = note.strip()
    locked.save()
    return locked


@transaction.atomic
def concern_raise(*, match: Match, by: User, text: str, meeting: Meeting | None = None) -> Concern:
    """ "I am worried": the volunteer raises a concern about her match, with a meeting she logs
    (meeting_log) or on its own, while the match is open.

    The association's coordinators get an in-app notification and an email at once - written in
    this same transaction and delivered by a worker after commit, saying only that a concern was
    raised, with a link (never the text, the woman or the volunteer).
    Side effects: creates the Concern; notifications and outbox emails to the coordinators.
    """
    text = text.strip()
    if not text:
        raise MatchingError(_("Write what worries you."))
    locked = Match.objects.select_for_update().get(pk=match.pk)
    if locked.status not in OPEN_MATCH:
        raise MatchingError(_("This match has ended. Call your coordinator or the shelter."))
    raised = Concern.objects.create(match=locked, meeting=meeting, text=text, raised_by=by)
    referral = Referral.objects.only("association_id", "public_id").get(pk=locked.referral_id)
    notify(
        recipients=_coordinators(referral.association_id),
        kind=kinds.CONCERN,
        link=reverse("concern_detail", args=[raised.public_id]),
        role=Role.COORDINATOR,
        association_id=referral.association_id,
        reference=referral.case_ref,
    )
    return raised


@transaction.atomic
def concern_follow_up(*, concern: Concern, by: User, note: str) -> Concern:
    """The coordinator has followed the concern up. Side effects: records when, who and what."""
    locked = Concern.objects.select_for_update().get(pk=concern.pk)
    if locked.followed_up_at:
        raise MatchingError(_("The concern is already followed up."))
    if not note.strip():
        raise MatchingError(_("Write briefly what was done."))
    locked.followed_up_at, locked.followed_up_by, locked.follow_up_note = (
        timezone.now(),
        by,
        note.strip(),
    )
    locked.save(update_fields=["followed_up_at", "followed_up_by", "follow_up_note"])
    return locked


def follow_ups_plan(match: Match) -> list[FollowUp]:
    """The follow-up conversations of an active match: FOLLOW_UP_SCHEDULE after the start, and a
    closing conversation at the planned end. Side effects: creates the missing FollowUps."""
    from datetime import timedelta

    started, planned_end = match.started_on, match.planned_end_on
    if started is None or planned_end is None:
        raise ValueError("Only a started match has follow-up conversations.")
    planned: list[tuple[str, date]] = [
        (kind, started + timedelta(days=days)) for kind, days in FOLLOW_UP_SCHEDULE
    ]
    planned.append((FollowUpKind.CLOSING, planned_end))
    existing = set(match.follow_ups.values_list("kind", flat=True))
    return FollowUp.objects.bulk_create(
        [
            FollowUp(match=match, kind=kind, due_on=due)
            for kind, due in planned
            if kind not in existing
        ]
    )


@transaction.atomic
def follow_up_record(
    *,
    follow_up: FollowUp,
    by: User,
    on: date,
    with_whom: int,
    note: str,
    answers: dict[str, dict] | None = None,
) -> FollowUp:
    """Side effects: the conversation is recorded as held (date, with whom, note).

    `answers` (optional: a conversation may be held without asking) gives, per respondent
    (Respondent: woman, volunteer), her answers about how the pair is doing: each question of
    RELATIONSHIP_FIELDS 1-5 or None (did not answer), and for the woman `asked_how`. Only at the
    conversations of RELATIONSHIP_ASKED_AT, and only when the conversation is recorded the first
    time. One RelationshipAnswer per respondent asked; when a score is low or dropped
    (relationship_needs_attention) the coordinators get one neutral notification, with the
    case's reference, once for this conversation.
    """
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.cancelled_on:
        raise MatchingError(_("The conversation is cancelled: the match ended early."))
    if on > timezone.localdate():
        raise MatchingError(_("The date cannot be in the future."))
    if not with_whom:
        raise MatchingError(_("Choose who you talked with."))
    rows = _relationship_rows(locked, answers or {})
    locked.done_on, locked.with_whom, locked.note, locked.done_by = on, with_whom, note.strip(), by
    locked.save(update_fields=["done_on", "with_whom", "note", "done_by"])
    if rows:
        RelationshipAnswer.objects.bulk_create(rows)
        if relationship_needs_attention(locked):
            match = (
                Match.objects.select_related("referral")
                .only("public_id", "referral__association_id", "referral__public_id")
                .get(pk=locked.match_id)
            )
            referral, match_public_id = match.referral, match.public_id
            notify(
                recipients=_coordinators(referral.association_id),
                kind=kinds.RELATIONSHIP_ATTENTION,
                link=reverse("match_detail", args=[match_public_id]) + "#relationship",
                role=Role.COORDINATOR,
                association_id=referral.association_id,
                reference=referral.case_ref,
            )
    return locked


def _relationship_rows(follow_up: FollowUp, answers: dict[str, dict]) -> list[RelationshipAnswer]:
    """The answers checked: a known respondent, each score 1-5 or None; refused (MatchingError)
    at a conversation where nobody is asked, or one recorded already."""
    rows = []
    for respondent, given in answers.items():
        if respondent not in Respondent.values:
            raise MatchingError(_("Unknown respondent."))
        if not given:
            continue
        if follow_up.kind not in RELATIONSHIP_ASKED_AT:
            raise MatchingError(_("These questions are not asked at this conversation."))
        if follow_up.done_on:
            raise MatchingError(_("The conversation is already recorded."))
        scores = {}
        for name in RELATIONSHIP_FIELDS:
            value = given.get(name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value not in RELATIONSHIP_SCALE
            ):
                raise MatchingError(_("Choose a number from 1 to 5, or «did not answer»."))
            scores[name] = value
        asked_how = (given.get("asked_how") or "") if respondent == Respondent.WOMAN else ""
        rows.append(
            RelationshipAnswer(
                follow_up=follow_up, respondent=respondent, asked_how=asked_how, **scores
            )
        )
    return rows


def relationship_needs_attention(follow_up: FollowUp) -> bool:
    """Whether this conversation's answers ask the coordinator to look at the match: a score at
    or below RELATIONSHIP_LOW, or one RELATIONSHIP_DROP or more below the same respondent's
    latest earlier answer to the same question (at an earlier conversation of the match)."""
    answers = list(RelationshipAnswer.objects.filter(follow_up=follow_up))
    earlier = list(
        RelationshipAnswer.objects.filter(
            follow_up__match_id=follow_up.match_id, follow_up__done_on__isnull=False
        )
        .exclude(follow_up=follow_up)
        .filter(follow_up__due_on__lt=follow_up.due_on)
        .order_by("follow_up__due_on")
    )
    for answer in answers:
        for name in RELATIONSHIP_FIELDS:
            value = getattr(answer, name)
            if value is None:
                continue
            if value <= RELATIONSHIP_LOW:
                return True
            previous = [
                getattr(e, name)
                for e in earlier
                if e.respondent == answer.respondent and getattr(e, name) is not None
            ]
            if previous and previous[-1] - value >= RELATIONSHIP_DROP:
                return True
    return False


@transaction.atomic
def follow_up_reschedule(*, follow_up: FollowUp, due_on: date) -> FollowUp:
    """Side effects: a new due date (a reminder for the new date is sent when it falls due)."""
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.done_on:
        raise MatchingError(_("The conversation is already held."))
    if locked.cancelled_on:
        raise MatchingError(_("The conversation is cancelled: the match ended early."))
    if due_on < timezone.localdate():
        raise MatchingError(_("Choose a date that has not passed."))
    locked.due_on = due_on
    locked.save(update_fields=["due_on"])
    return locked


# --- Matching weights ---------------------------------------------------------------------------


def _checked_weights(values: dict) -> dict[str, int]:
    parts = MatchingWeights.PARTS
    if set(values) != set(parts):
        raise MatchingError(_("Give a weight for every part of the score."))
    checked = {}
    for part in parts:
        value = values[part]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= WEIGHT_MAX:
            raise MatchingError(_("Give a whole number from 0 to %(max)s.") % {"max": WEIGHT_MAX})
        checked[part] = value
    if not any(checked.values()):
        raise MatchingError(_("At least one weight must be above 0."))
    return checked


@transaction.atomic
def matching_weights_update(*, values: dict[str, int], by: User) -> dict[str, tuple[int, int]]:
    """Set the weights of the score's parts: every suggestion and batch proposal from now on is
    scored with them, and shows them.

    `values` gives every part (MatchingWeights.PARTS) a whole number from 0 to WEIGHT_MAX, at
    least one above 0; anything else raises MatchingError and changes nothing. Returns the
    weights that changed, as {part: (old, new)}.
    Side effects: the MatchingWeights row is created (on the first change) or updated; one entry
    in the change history (django-auditlog) naming who changed which weight from what to what.
    Nothing is written when nothing changed.
    """
    from auditlog.models import LogEntry

    checked = _checked_weights(values)
    # Two national admins saving at once: the lock makes the second read what the first wrote,
    # so each history entry starts from the value it really replaced.
    row = MatchingWeights.objects.select_for_update().order_by("-pk").first()
    old = MatchingWeights.current() if row is None else {p: getattr(row, p) for p in checked}
    changed = {p: (old[p], checked[p]) for p in MatchingWeights.PARTS if old[p] != checked[p]}
    if not changed:
        return {}
    created = row is None
    row = row or MatchingWeights()
    for part, value in checked.items():
        setattr(row, part, value)
    row.save()
    LogEntry.objects.log_create(
        row,
        action=LogEntry.Action.CREATE if created else LogEntry.Action.UPDATE,
        changes={part: [str(a), str(b)] for part, (a, b) in changed.items()},
        actor=by,
    )
    return changed


def matching_weights_restore_defaults(*, by: User) -> dict[str, tuple[int, int]]:
    """Set every weight back to its default. Side effects: as matching_weights_update."""
    return matching_weights_update(values=MatchingWeights.defaults(), by=by)


# --- Erasure, retention and withdrawn consent --------------------------------------------------

ERASED = "–"


def _forget_history(model, ids) -> None:
    """The change history of erased rows goes too (it holds their old plain values)."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_pk__in=[str(i) for i in ids]
    ).delete()


@transaction.atomic
def referral_erase(*, referral: Referral) -> Referral:
    """Erase the woman's personal data, keeping the statistical facts: dates, counts,
    municipality, county, age bracket and outcome.

    Side effects: alias, phone, languages, needs, wishes, considerations, safety notes and the
    avoid list are erased, and the reasons in her referral's history; every meeting note, concern
    text, follow-up note, end note and first meeting place of her matches is erased; the change history of these rows is deleted; erased_at is set.
    """
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    locked.alias, locked.phone, locked.wishes, locked.safety_notes = ERASED, "", "", ""
    locked.considerations = locked.needs = locked.availability = 0
    locked.preferred_language = locked.wish_language = ""
    locked.withdrawn_reason = ""
    locked.erased_at = timezone.now()
    locked.save()
    locked.avoid_municipalities.clear()
    locked.languages.all().delete()
    matches = list(locked.matches.values_list("pk", flat=True))
    Match.objects.filter(pk__in=matches).update(end_note="", first_meeting_place="")
    locked.events.update(reason="")
    meetings = list(Meeting.objects.filter(match_id__in=matches).values_list("pk", flat=True))
    Meeting.objects.filter(pk__in=meetings).update(note="")
    concerns = list(Concern.objects.filter(match_id__in=matches).values_list("pk", flat=True))
    Concern.objects.filter(pk__in=concerns).update(text=ERASED, follow_up_note="")
    follow_ups = list(FollowUp.objects.filter(match_id__in=matches).values_list("pk", flat=True))
    FollowUp.objects.filter(pk__in=follow_ups).update(note="")
    for model, ids in (
        (Referral, [locked.pk]),
        (Match, matches),
        (Meeting, meetings),
        (Concern, concerns),
        (FollowUp, follow_ups),
    ):
        _forget_history(model, ids)
    return locked


@transaction.atomic
def referral_consent_withdrawn(*, referral: Referral, by: User) -> Referral:
    """The woman withdraws her consent: her match ends at once (or the proposal is cancelled),
    every reminder about it stops, and her data is erased now.

    Side effects: an open match is cancelled or ended (outcome unknown); the referral is
    withdrawn (or ended); referral_erase(); coordinators are notified.
    """
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    for match in locked.matches.filter(status__in=OPEN_MATCH):
        if match.status in RUNNING:
            match.ended_on = timezone.localdate()
            match.end_reason, match.end_initiated_by, match.end_planned = "other", "woman", False
            match.outcome_moved_back = "unknown"
            _match_status(
                match,
                MatchStatus.ENDED,
                by=by,
                also=(
                    "ended_on",
                    "end_reason",
                    "end_initiated_by",
                    "end_planned",
                    "outcome_moved_back",
                ),
            )
        else:
            match.cancel_reason = CancelReason.WITHDRAWN
            _match_status(match, MatchStatus.CANCELLED, by=by, also=("cancel_reason",))
    if locked.status not in (ReferralStatus.ENDED, ReferralStatus.WITHDRAWN):
        target = (
            ReferralStatus.ENDED
            if locked.status == ReferralStatus.ACTIVE
            else ReferralStatus.WITHDRAWN
        )
        _set_referral_status(locked, target, by=by)
    notify(
        recipients=_coordinators(locked.association_id),
        kind=kinds.REFERRAL_WITHDRAWN,
        link=locked.get_absolute_url(),
        role=Role.COORDINATOR,
        association_id=locked.association_id,
        reference=locked.case_ref,
    )
    return referral_erase(referral=locked)
