"""Fill the statistics benchmark's database with a national-scale data set, quickly.

400 associations of very different sizes (a few large city associations, many small ones),
47 crisis shelters, 20,000 volunteers at every stage of the pipeline, basic-course sessions
with their enrolments, commitment periods (many renewed), 10,000 referrals over three years
(matched, withdrawn, waiting; some with a cancelled proposal first), their matches with
outcomes and end reasons, match events, 300,000 meetings and a few thousand concerns. Seeded,
so every run builds the same data. Rows are written with bulk_create in chunks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Association, Municipality, Shelter, User
from courses.models import Course, CourseKind, Enrolment, EnrolmentStatus, Session
from matching.models import (
    LATER_OUTCOME_DAYS,
    OUTCOMES_DURING,
    AgeBracket,
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
from ressursvenner.scale.distributions import (
    association_weights,
    commitment_periods,
    largest_remainder,
    volunteer_stage,
)
from ressursvenner.scale.distributions import day_between as between
from volunteers.models import CommitmentPeriod, Status, Volunteer

ASSOCIATIONS = 400
SHELTERS = 47
VOLUNTEERS = 20_000
REFERRALS = 10_000
MEETINGS = 300_000
CONCERNS = 3_000
YEARS = 3
CHUNK = 5_000


@dataclass
class Filled:
    associations: list[Association]
    largest: Association
    smallest: Association
    admin: User
    coordinator: User
    small_coordinator: User
    counts: dict[str, int]


def _moment(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _save(model, rows: list, **kwargs) -> list:
    created = []
    for start in range(0, len(rows), CHUNK):
        created += model.objects.bulk_create(rows[start : start + CHUNK], **kwargs)
    return created


@transaction.atomic
def fill(*, seed: int = 2025) -> Filled:
    from accounts.models import Membership, Role

    rng = random.Random(seed)
    # The outcomes beside the headline and six months later draw from their own stream, so the
    # rest of the data is what it was before they were filled.
    outcome_rng = random.Random(seed + 3)
    today = timezone.localdate()
    first_day = today - timedelta(days=365 * YEARS)
    municipalities = list(Municipality.objects.all())

    def day_between(start: date, end: date) -> date:
        return between(rng, start, end)

    # --- Associations (a few large, many small) and shelters ------------------------------
    associations = _save(
        Association,
        [Association(name=f"Sanitetsforening {n:03d} (bench)") for n in range(ASSOCIATIONS)],
    )
    weights = association_weights(rng, len(associations))
    shelters = _save(
        Shelter,
        [
            Shelter(name=f"Krisesenter {n:02d} (bench)", municipality=rng.choice(municipalities))
            for n in range(SHELTERS)
        ],
    )
    usual_shelters = {a.pk: rng.sample(shelters, rng.choice((1, 1, 2))) for a in associations}
    staff = User.objects.create(email="krisesenter@bench.example")
    admin = User.objects.create(email="admin@bench.example", first_name="Bench")
    Membership.objects.create(user=admin, role=Role.NATIONAL_ADMIN)

    # --- Volunteers ---------------------------------------------------------------------------
    people = []
    for n in range(VOLUNTEERS):
        association = rng.choices(associations, weights)[0]
        applied = day_between(first_day, today)
        stage = volunteer_stage(rng, applied, today)
        status, changed = stage.status, stage.changed
        approved, interview = stage.approved, stage.interview
        people.append(
            Volunteer(
                association=association,
                first_name=f"Frivillig{n}",
                last_name="Bench",
                email=f"v{n}@bench.example",
                phone="+4791234567",
                municipality=rng.choice(municipalities),
                birth_year=today.year - rng.randint(25, 72),
                motivation="Bench",
                status=status,
                applied_at=_moment(applied, 9),
                last_applied_at=_moment(applied, 9),
                status_changed_at=_moment(changed, 15),
                approved_at=_moment(approved, 14) if approved else None,
                interview_on=interview if interview and interview <= today else None,
                consent_at=_moment(applied, 9),
            )
        )
    people = _save(Volunteer, people)
    approved_by_association: dict[int, list[Volunteer]] = {}
    for person in people:
        if person.approved_at:
            approved_by_association.setdefault(person.association_id, []).append(person)

    # --- Basic-course sessions (every three months) and who attended -------------------------
    basic = Course.objects.filter(kind=CourseKind.BASIC).first()
    sessions, session_days = [], {}
    for association in associations:
        day = first_day + timedelta(days=rng.randint(0, 90))
        while day <= today + timedelta(days=60):
            session_days.setdefault(association.pk, []).append(day)
            sessions.append(
                Session(
                    course=basic,
                    association=association,
                    starts_at=_moment(day, 17),
                    ends_at=_moment(day, 21),
                    place="Bench",
                    capacity=rng.choice((10, 15, 20)),
                    cancelled_at=_moment(day - timedelta(days=3)) if rng.random() < 0.05 else None,
                )
            )
            day += timedelta(days=rng.randint(80, 100))
    sessions = _save(Session, sessions)
    by_day = {(s.association_id, s.starts_at.date()): s for s in sessions}
    enrolments = []
    for person in people:
        if person.status in (Status.APPLIED, Status.SCREENING) and not person.approved_at:
            continue
        applied = person.applied_at.date()
        days = [d for d in session_days[person.association_id] if d >= applied]
        if not days:
            continue
        session = by_day[person.association_id, days[0]]
        held = days[0] < today
        if person.approved_at or (held and rng.random() < 0.8):
            status = EnrolmentStatus.ATTENDED if held else EnrolmentStatus.ENROLLED
        else:
            status = EnrolmentStatus.ABSENT if held else EnrolmentStatus.ENROLLED
        enrolments.append(Enrolment(session=session, volunteer=person, status=status))
    _save(Enrolment, enrolments)

    # --- Commitment periods: a year from approval, often renewed -----------------------------
    periods = []
    for person in people:
        if not person.approved_at:
            continue
        periods += [
            CommitmentPeriod(
                volunteer=person,
                starts_on=period.starts_on,
                ends_on=period.ends_on,
                ended_on=period.ended_on,
                end_reason=period.end_reason,
            )
            for period in commitment_periods(rng, person.approved_at.date(), today)
        ]
    _save(CommitmentPeriod, periods)

    # --- Referrals, matches, events ------------------------------------------------------------
    referrals, plans = [], []
    for n in range(REFERRALS):
        association = rng.choices(associations, weights)[0]
        created = day_between(first_day, today)
        age = (today - created).days
        plan = {"created": created}
        roll = rng.random()
        if roll < 0.10 and age > 10:
            plan["withdrawn"] = created + timedelta(days=rng.randint(2, min(60, age)))
            plan["cancelled_first"] = rng.random() < 0.5
            status = ReferralStatus.WITHDRAWN
        elif age < 45 and roll < 0.6:
            status = rng.choice((ReferralStatus.RECEIVED, ReferralStatus.BEING_MATCHED))
        else:
            proposed = created + timedelta(days=rng.randint(2, min(60, max(age, 2))))
            plan["cancelled_first"] = rng.random() < 0.08
            plan["proposed"] = min(proposed, today)
            started = plan["proposed"] + timedelta(days=rng.randint(5, 30))
            if started <= today:
                plan["started"] = started
                length = rng.randint(300, 380) if rng.random() < 0.75 else rng.randint(30, 200)
                ended = started + timedelta(days=length)
                if ended <= today:
                    plan["ended"] = ended
                    status = ReferralStatus.ENDED
                else:
                    status = ReferralStatus.ACTIVE
            else:
                status = ReferralStatus.MATCH_PROPOSED
        plans.append(plan)
        closed = plan.get("withdrawn") or plan.get("ended")
        referrals.append(
            Referral(
                shelter=rng.choice(usual_shelters[association.pk]),
                association=association,
                created_by=staff,
                created_at=_moment(created, 10),
                alias=f"Kvinne{n}",
                age_bracket=rng.choice(AgeBracket.values),
                municipality=rng.choice(municipalities),
                preferred_language="no",
                consent_on=created,
                consent_recorded_by=staff,
                status=status,
                status_changed_at=_moment(closed or created, 11),
                closed_at=_moment(closed, 11) if closed else None,
                withdrawn_reason="Ønsket ikke lenger" if plan.get("withdrawn") else "",
            )
        )
    referrals = _save(Referral, referrals)

    matches, cancelled_at = [], []
    for referral, plan in zip(referrals, plans, strict=True):
        pool = approved_by_association.get(referral.association_id) or people
        created = plan["created"]
        if plan.get("cancelled_first"):
            end = plan.get("withdrawn") or plan.get("proposed") or created + timedelta(days=1)
            proposed = created + timedelta(days=rng.randint(0, max((end - created).days - 1, 0)))
            matches.append(
                Match(
                    referral=referral,
                    volunteer=rng.choice(pool),
                    status=MatchStatus.CANCELLED,
                    proposed_at=_moment(proposed, 12),
                    cancel_reason=rng.choice(CancelReason.values),
                )
            )
            cancelled_at.append(min(proposed + timedelta(days=2), end))
        if "proposed" not in plan:
            continue
        match = Match(
            referral=referral,
            volunteer=rng.choice(pool),
            proposed_at=_moment(plan["proposed"], 13),
        )
        if "ended" in plan:
            match.status = MatchStatus.ENDED
            match.started_on, match.ended_on = plan["started"], plan["ended"]
            match.planned_end_on = plan["started"] + timedelta(days=365)
            match.outcome_moved_back = rng.choices(
                (YesNoUnknown.NO, YesNoUnknown.YES, YesNoUnknown.UNKNOWN), (85, 5, 10)
            )[0]
            match.end_reason = rng.choices(EndReason.values, (60, 10, 10, 8, 7, 5))[0]
            for field, during in OUTCOMES_DURING.items():
                answer = outcome_rng.choices(YesNoUnknown.values, (55, 25, 20))[0]
                setattr(match, field, answer)
                if answer == YesNoUnknown.YES:
                    setattr(match, during, outcome_rng.random() < 0.6)
            asked = plan["ended"] + timedelta(days=LATER_OUTCOME_DAYS) <= today
            if asked and outcome_rng.random() < 0.7:
                match.later_moved_back = outcome_rng.choices(
                    (YesNoUnknown.NO, YesNoUnknown.YES, YesNoUnknown.UNKNOWN), (84, 6, 10)
                )[0]
        elif "started" in plan:
            match.status = MatchStatus.PAUSED if rng.random() < 0.05 else MatchStatus.ACTIVE
            match.started_on = plan["started"]
            match.planned_end_on = plan["started"] + timedelta(days=365)
        matches.append(match)
        cancelled_at.append(None)
    matches = _save(Match, matches)

    events = []
    for match, cancelled in zip(matches, cancelled_at, strict=True):
        events.append(MatchEvent(match=match, status=MatchStatus.PROPOSED, at=match.proposed_at))
        if cancelled:
            events.append(
                MatchEvent(match=match, status=MatchStatus.CANCELLED, at=_moment(cancelled, 14))
            )
        if match.started_on:
            events.append(
                MatchEvent(match=match, status=MatchStatus.ACTIVE, at=_moment(match.started_on))
            )
        if match.ended_on:
            events.append(
                MatchEvent(match=match, status=MatchStatus.ENDED, at=_moment(match.ended_on))
            )
    _save(MatchEvent, events)

    # --- Meetings (about weekly while a match runs) and concerns -----------------------------
    running = [m for m in matches if m.started_on]
    days_running = [((m.ended_on or today) - m.started_on).days + 1 for m in running]
    counts = largest_remainder(MEETINGS, days_running)
    meetings: list[Meeting] = []
    written = 0
    concern_rows = []
    for match, days, count in zip(running, days_running, counts, strict=True):
        for _ in range(count):
            day = match.started_on + timedelta(days=rng.randint(0, days - 1))
            meetings.append(
                Meeting(
                    match=match,
                    date=day,
                    met=rng.random() < 0.92,
                    minutes=rng.choice((30, 60, 90, 120)),
                    activities=1,
                )
            )
        if len(meetings) >= 20_000:
            written += len(_save(Meeting, meetings))
            meetings = []
    written += len(_save(Meeting, meetings))
    for _ in range(CONCERNS):
        match = rng.choice(running)
        raised = _moment(
            match.started_on
            + timedelta(days=rng.randint(0, ((match.ended_on or today) - match.started_on).days)),
            rng.randint(8, 20),
        )
        followed = raised + timedelta(hours=rng.uniform(0.5, 96)) if rng.random() < 0.9 else None
        concern_rows.append(
            Concern(
                match=match,
                text="Bench",
                raised_at=raised,
                followed_up_at=followed if followed and followed <= timezone.now() else None,
            )
        )
    _save(Concern, concern_rows)

    largest = max(associations, key=lambda a: len(approved_by_association.get(a.pk, [])))
    coordinator = User.objects.create(email="koordinator@bench.example", first_name="Bench")
    Membership.objects.create(user=coordinator, role=Role.COORDINATOR, association=largest)
    smallest = min(associations, key=lambda a: len(approved_by_association.get(a.pk, [])))
    small_coordinator = User.objects.create(email="liten@bench.example", first_name="Bench")
    Membership.objects.create(user=small_coordinator, role=Role.COORDINATOR, association=smallest)
    return Filled(
        associations=associations,
        largest=largest,
        smallest=smallest,
        admin=admin,
        coordinator=coordinator,
        small_coordinator=small_coordinator,
        counts={
            "associations": len(associations),
            "shelters": len(shelters),
            "volunteers": len(people),
            "sessions": len(sessions),
            "enrolments": len(enrolments),
            "commitment periods": len(periods),
            "referrals": len(referrals),
            "matches": len(matches),
            "match events": len(events),
            "meetings": written,
            "concerns": len(concern_rows),
        },
    )
