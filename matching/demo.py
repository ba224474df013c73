"""Demo referrals in every status, from the demo shelters, with matches where they belong.

The waiting referrals prefer different languages and live in different places, so the
suggestion page visibly ranks by language and distance. Idempotent: a shelter that already
has referrals is left alone.
"""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import Role, Shelter, User
from courses.models import Consideration
from matching import services
from matching.models import (
    RELATIONSHIP_FIELDS,
    Activity,
    AgeBracket,
    AskedHow,
    FollowUpKind,
    InitiatedBy,
    Referral,
    Respondent,
    With,
    YesNoUnknown,
)
from matching.models import EndReason as MatchEndReason
from volunteers.models import Availability, Strength

# alias, age, preferred language, other languages, needs, considerations, what happens to it
PLAN = [
    ("Amal", AgeBracket.AGE_26_35, "ar", ["no"], Strength.NETWORK | Strength.HOUSING, 0, "waiting"),
    (
        "Hodan",
        AgeBracket.AGE_36_45,
        "so",
        ["en"],
        Strength.JOB_SEARCH | Strength.NORWEGIAN_PRACTICE,
        Consideration.HAS_CHILDREN,
        "waiting",
    ),
    ("Kasia", AgeBracket.AGE_26_35, "pl", ["en"], Strength.PUBLIC_SERVICES, 0, "being_matched"),
    (
        "Lina",
        AgeBracket.AGE_18_25,
        "no",
        [],
        Strength.LEISURE_CULTURE | Strength.NETWORK,
        0,
        "proposed",
    ),
    ("Mira", AgeBracket.AGE_46_55, "no", ["en"], Strength.HOUSING, 0, "first_meeting"),
    ("Sara", AgeBracket.AGE_26_35, "no", ["ar"], Strength.NETWORK | Strength.FINANCES, 0, "active"),
    ("Tove", AgeBracket.AGE_56_PLUS, "no", [], Strength.LEISURE_CULTURE, 0, "active"),
    ("Eva", AgeBracket.AGE_36_45, "no", ["en"], Strength.JOB_SEARCH, 0, "ended"),
    ("Nina", AgeBracket.AGE_26_35, "no", [], Strength.NETWORK, 0, "withdrawn"),
]
SHELTER_OF = {
    "Oslo Sanitetsforening": "Oslo krisesenter (demo)",
    "Bergen Sanitetsforening": "Bergen krisesenter (demo)",
    "Trondheim Sanitetsforening": "Trondheim krisesenter (demo)",
}


def seed(stdout) -> None:
    created = 0
    for shelter in Shelter.objects.filter(name__in=SHELTER_OF.values()).select_related(
        "municipality"
    ):
        if Referral.objects.filter(shelter=shelter).exists():
            continue
        staff = User.objects.filter(
            memberships__shelter=shelter, memberships__role=Role.SHELTER_STAFF
        ).first()
        association = shelter.municipality.coverage.association
        coordinator = User.objects.active_coordinators_of(association).first()
        if staff is None or coordinator is None:
            continue
        municipalities = list(association.municipalities.order_by("number"))
        for index, (alias, age, preferred, others, needs, considerations, fate) in enumerate(PLAN):
            days_ago = [3, 9, 5, 12, 20, 140, 250, 400, 30][index]
            referral = services.referral_create(
                shelter=shelter,
                by=staff,
                data={
                    "alias": alias,
                    "age_bracket": age,
                    "municipality": municipalities[index % len(municipalities)],
                    "preferred_language": preferred,
                    "needs": needs,
                    "availability": Availability.WEEKDAY_EVENING | Availability.WEEKEND,
                    "considerations": considerations,
                    "safety_notes": "Demo: ingen ekte opplysninger.",
                    "consent_on": timezone.localdate() - timedelta(days=days_ago),
                },
                languages=others,
                avoid=[municipalities[(index + 1) % len(municipalities)]] if index == 0 else [],
            )
            Referral.objects.filter(pk=referral.pk).update(
                created_at=timezone.now() - timedelta(days=days_ago)
            )
            referral.refresh_from_db()
            _play(referral, fate, coordinator, staff, days_ago)
            created += 1
    stdout.write(f"Demo: {created} referrals from the demo shelters, in every status.")


def _play(referral: Referral, fate: str, coordinator: User, staff: User, days_ago: int) -> None:
    if fate == "waiting":
        return
    if fate == "withdrawn":
        services.referral_withdraw(
            referral=referral, reason="Hun flyttet til en annen by.", by=staff
        )
        return
    services.referral_take(referral=referral, by=coordinator)
    if fate == "being_matched":
        return
    # Sara's ressursvenn is the association's demo volunteer login, so it shows a match.
    suggestion = _demo_login_volunteer(referral) if referral.alias == "Sara" else None
    suggestion = suggestion or _best(referral)
    if suggestion is None:
        return
    match = services.match_propose(referral=referral, volunteer=suggestion, by=coordinator)
    if fate == "proposed":
        return
    services.match_confirm_conflict_check(match=match, by=suggestion.user or coordinator)
    meeting = (
        timezone.now() + timedelta(days=4)
        if fate == "first_meeting"
        else timezone.now() - timedelta(days=days_ago - 7)
    )
    services.match_plan_first_meeting(
        match=match, at=meeting, place=referral.shelter.name, by=coordinator
    )
    if fate == "first_meeting":
        return
    started = timezone.localdate() - timedelta(days=days_ago - 7)
    services.match_activate(match=match, started_on=started, by=coordinator)
    _meetings(
        match,
        started,
        quiet_days=25 if referral.alias == "Tove" else 3,
        worried=referral.alias == "Sara",
    )
    # The same scores on every run: a generator seeded by the case, not the clock (no secret).
    scores = random.Random(f"demo-relationship-{referral.alias}-{referral.shelter.name}")  # noqa: S311
    for follow_up in match.follow_ups.filter(
        due_on__lt=timezone.localdate() - timedelta(days=7)
    ).order_by("due_on"):
        services.follow_up_record(
            follow_up=follow_up,
            by=coordinator,
            on=follow_up.due_on,
            with_whom=With.VOLUNTEER | With.WOMAN,
            note="",
            answers=_answers(scores) if follow_up.kind in ASKED_IN_DEMO else None,
        )
    if fate == "ended":
        services.match_end(
            match=match,
            ended_on=timezone.localdate() - timedelta(days=20),
            by=coordinator,
            end_planned=True,
            end_initiated_by=InitiatedBy.BOTH,
            end_reason=MatchEndReason.YEAR_OVER,
            new_match_for_woman=False,
            new_match_for_volunteer=True,
            outcome_moved_back=YesNoUnknown.NO,
            outcome_housing=YesNoUnknown.YES,
            outcome_work_or_study=YesNoUnknown.YES,
            outcome_network=YesNoUnknown.YES,
            outcome_help_services=YesNoUnknown.YES,
            outcome_housing_during=True,
            outcome_work_or_study_during=False,
            outcome_network_during=True,
            outcome_help_services_during=True,
        )


# The conversations of the demo's matches at which the pair is asked how it is going.
ASKED_IN_DEMO = (FollowUpKind.ONE_MONTH, FollowUpKind.THREE_MONTHS, FollowUpKind.SIX_MONTHS)


def _answers(scores: random.Random) -> dict[str, dict]:
    """Both respondents' answers at one conversation: mostly good scores (3-5), now and then
    one she did not answer."""
    answers: dict[str, dict] = {}
    for respondent in (Respondent.WOMAN, Respondent.VOLUNTEER):
        given: dict = {
            name: None if scores.random() < 0.1 else scores.randint(3, 5)
            for name in RELATIONSHIP_FIELDS
        }
        if respondent == Respondent.WOMAN:
            given["asked_how"] = AskedHow.THROUGH_VOLUNTEER
        answers[respondent] = given
    return answers


def _meetings(match, started, *, quiet_days: int, worried: bool) -> None:
    """About weekly meetings from the start until `quiet_days` ago; a concern with the last
    one if `worried`."""
    volunteer_user = match.volunteer.user or match.proposed_by
    last = timezone.localdate() - timedelta(days=quiet_days)
    days, day = [], started + timedelta(days=3)
    while day <= last:
        days.append(day)
        day += timedelta(days=7 if len(days) % 2 else 8)
    activities = [
        Activity.COFFEE,
        Activity.NETWORK | Activity.COFFEE,
        Activity.HOUSING,
        Activity.NORWEGIAN,
        Activity.LEISURE,
    ]
    for number, day in enumerate(days, start=1):
        services.meeting_log(
            match=match,
            by=volunteer_user,
            day=day,
            met=number % 6 != 0,
            minutes=60 + 30 * (number % 3),
            activities=activities[number % len(activities)],
            concern="Demo: hun virket redd og nevnte at noen hadde fulgt etter henne."
            if worried and number == len(days)
            else "",
        )


def _demo_login_volunteer(referral: Referral):
    from matching.scoring import eligible_score
    from volunteers.models import Volunteer

    own = Volunteer.objects.filter(
        association=referral.association, user__email__startswith="frivillig."
    ).first()
    return own if own is not None and eligible_score(referral, own) is not None else None


def _best(referral: Referral):
    from matching.scoring import suggest

    result = suggest(referral, limit=1)
    return result.suggestions[0].volunteer if result.suggestions else None
