"""Demo supervision groups: one per association, led by one of its ressursvenner, with the
other ressursvenner as members and a year of sessions every six weeks with their attendance.

Runs after volunteers' demo (INSTALLED_APPS order). Idempotent: an association that already has
a group is left alone. Deterministic (a fixed random seed).
"""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import Association, User
from supervision.models import Attendance, GroupSession, SupervisionGroup
from supervision.services import group_save
from volunteers.models import Status, Volunteer

SESSIONS = 9  # one every six weeks, the last one a week ago
NEXT_IN_DAYS = 35


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed(stdout) -> None:
    created = 0
    for index, association in enumerate(Association.objects.order_by("name")):
        if SupervisionGroup.objects.filter(association=association).exists():
            continue
        approved = list(
            Volunteer.objects.filter(
                association=association, status=Status.APPROVED, erased_at__isnull=True
            ).order_by("pk")
        )
        if len(approved) < 3:
            continue
        rng = random.Random(3000 + index)  # noqa: S311 - demo data
        coordinator = User.objects.filter(
            memberships__association=association, memberships__role="coordinator"
        ).first()
        # The leader: the demo's group leader login where the association has one (she is
        # given the role as a coordinator gives it), else an approved volunteer without a login.
        leader = next(
            (v for v in approved if v.email == demo_email("gruppeleder.oslo")),
            next((v for v in approved if v.user_id is None), approved[0]),
        )
        group = group_save(
            association=association, name="Veiledningsgruppe 1", leader=leader, members=approved
        )
        today = timezone.localdate()
        place = f"Frivilligsentralen, {association.name.split()[0]}"
        for number in range(SESSIONS):
            day = today - timedelta(days=7 + 42 * (SESSIONS - 1 - number))
            session = GroupSession.objects.create(
                group=group,
                starts_at=_at(day, 18),
                ends_at=_at(day, 20),
                place=place,
                created_by=coordinator,
                attendance_recorded_at=_at(day, 20),
            )
            Attendance.objects.bulk_create(
                [
                    Attendance(session=session, volunteer=member)
                    for member in approved
                    # Most come; one in five stays away (so some are due for supervision).
                    if member == leader or rng.random() < 0.8
                ]
            )
        upcoming = today + timedelta(days=NEXT_IN_DAYS)
        GroupSession.objects.create(
            group=group,
            starts_at=_at(upcoming, 18),
            ends_at=_at(upcoming, 20),
            place=place,
            created_by=coordinator,
        )
        created += 1
    stdout.write(f"Supervision groups: {created} created.")
