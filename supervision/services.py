"""State changes of supervision groups: each one transaction, keyword-only arguments, and a
SupervisionError with a translated message when the change is refused."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Association, Membership, Role, User
from notifications.models import Notification
from notifications.services import notify
from supervision.models import Attendance, Expectation, GroupSession, SupervisionGroup
from supervision.notifications import WELLBEING_AFTER_SUPERVISION
from volunteers.models import Status, Volunteer


class SupervisionError(Exception):
    pass


def _check_volunteers(association: Association, volunteers: Iterable[Volunteer]) -> None:
    for volunteer in volunteers:
        if volunteer.association_id != association.pk or volunteer.status != Status.APPROVED:
            raise SupervisionError(
                _("Only approved volunteers of the association can be in a group.")
            )


@transaction.atomic
def expectation_set(*, association: Association, every_weeks: int) -> Expectation:
    if not 1 <= every_weeks <= 52:
        raise SupervisionError(_("Choose between 1 and 52 weeks."))
    expectation, _created = Expectation.objects.update_or_create(
        association=association, defaults={"every_weeks": every_weeks}
    )
    return expectation


@transaction.atomic
def group_save(
    *,
    association: Association,
    name: str,
    leader: Volunteer | None,
    members: Iterable[Volunteer],
    group: SupervisionGroup | None = None,
) -> SupervisionGroup:
    """Create a group (group=None) or change its name, leader and members."""
    members = list(members)
    _check_volunteers(association, members + ([leader] if leader else []))
    taken = SupervisionGroup.objects.filter(association=association, name=name)
    if group is not None:
        taken = taken.exclude(pk=group.pk)
    if taken.exists():
        raise SupervisionError(_("The association already has a group with this name."))
    previous = None if group is None else group.leader
    if group is None:
        group = SupervisionGroup.objects.create(association=association, name=name, leader=leader)
    else:
        group.name, group.leader = name, leader
        group.save(update_fields=["name", "leader"])
    group.members.set(members)
    if previous is not None and previous != leader:
        _leader_role_sync(previous)
    if leader is not None:
        _leader_role_sync(leader)
    return group


def _leader_role_sync(volunteer: Volunteer) -> None:
    """She holds the group leader role while she leads a group of her association (and has a
    login); it ends when she leads none any more. Given and taken here, from the group's page."""
    if volunteer.user_id is None:
        return
    leads = SupervisionGroup.objects.filter(
        leader=volunteer, association_id=volunteer.association_id
    ).exists()
    held = Membership.objects.filter(
        user_id=volunteer.user_id,
        role=Role.GROUP_LEADER,
        association_id=volunteer.association_id,
        ended_at__isnull=True,
    )
    if leads and not held.exists():
        Membership.objects.create(
            user_id=volunteer.user_id,
            role=Role.GROUP_LEADER,
            association_id=volunteer.association_id,
        )
    elif not leads:
        held.update(ended_at=timezone.now())


@transaction.atomic
def group_session_create(
    *, group: SupervisionGroup, starts_at: datetime, ends_at: datetime, place: str, by
) -> GroupSession:
    if ends_at <= starts_at:
        raise SupervisionError(pgettext("supervision", "The session must end after it starts."))
    return GroupSession.objects.create(
        group=group, starts_at=starts_at, ends_at=ends_at, place=place, created_by=by
    )


def wellbeing_invitation_link(session: GroupSession) -> str:
    """Her wellbeing check, answered with the occasion "after supervision" of this session."""
    return f"{reverse('my_wellbeing')}?veiledning={session.public_id}"


@transaction.atomic
def attendance_record(*, session: GroupSession, attended: Iterable[Volunteer]) -> int:
    """Who attended: replaces what was recorded before. Only the group's members can attend;
    anyone else refuses the whole change. Returns how many attended.

    Side effect: each one recorded as present (with a login) is invited to the wellbeing check
    after the session, in the app only (WELLBEING_AFTER_SUPERVISION: a neutral text, no name),
    once per session: saving the attendance again invites only those not invited before."""
    session = GroupSession.objects.select_for_update().get(pk=session.pk)
    if not session.has_started:
        raise SupervisionError(
            pgettext("supervision", "Attendance can be recorded once the session has started.")
        )
    attended = list(attended)
    members = set(session.group.members.values_list("pk", flat=True))
    if any(volunteer.pk not in members for volunteer in attended):
        raise SupervisionError(_("Only the group's members can be recorded as attending."))
    Attendance.objects.filter(session=session).delete()
    Attendance.objects.bulk_create(
        [Attendance(session=session, volunteer=volunteer) for volunteer in attended]
    )
    session.attendance_recorded_at = timezone.now()
    session.save(update_fields=["attendance_recorded_at"])
    _invite_to_wellbeing_check(session, attended)
    return len(attended)


def _invite_to_wellbeing_check(session: GroupSession, attended: list[Volunteer]) -> None:
    link = wellbeing_invitation_link(session)
    invited = Notification.objects.filter(kind=WELLBEING_AFTER_SUPERVISION, link=link).values(
        "recipient_id"
    )
    recipients = User.objects.filter(
        pk__in=[volunteer.user_id for volunteer in attended if volunteer.user_id is not None]
    ).exclude(pk__in=invited)
    notify(
        recipients=recipients,
        kind=WELLBEING_AFTER_SUPERVISION,
        link=link,
        role=Role.VOLUNTEER,
        association_id=session.group.association_id,
        email=False,
    )
