"""Each role's start page: what she needs first. Later issues add their cards here."""

from collections.abc import Callable
from datetime import timedelta

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import (
    Absence,
    Association,
    Coverage,
    Invitation,
    Membership,
    Role,
    Shelter,
    User,
)
from common.counting import Earliest, count_each
from common.pagination import page_of
from courses.models import SEATED, Session
from matching import selectors as matching_selectors
from matching.models import Concern, Match, MatchStatus
from notifications import selectors as notification_selectors
from notifications.models import OutboxMessage
from reports.headline import national_headline
from supervision import selectors as supervision_selectors
from volunteers import selectors as volunteer_selectors
from volunteers.models import Volunteer, WellbeingCheck

# Her latest unread notifications on her start page; the rest are a link away.
VOLUNTEER_NOTIFICATIONS_SHOWN = 3


def _count_of(rows: QuerySet) -> Coalesce:
    """How many of `rows` (filtered on the outer association) there are, as a subquery: counted
    for the rows of the page alone."""
    counted = rows.order_by().values("association").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def national_admin_start(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The headline of this year's statistics, the counts that need her, and the associations
    (a page at a time, with how many municipalities and coordinators each has)."""
    associations = (
        Association.objects.for_user(request.user)
        .annotate(
            municipality_count=_count_of(Coverage.objects.filter(association=OuterRef("pk"))),
            coordinator_count=_count_of(
                Membership.objects.active_coordinators().filter(association=OuterRef("pk"))
            ),
            # those not away today: with none, its alerts reach nobody (nobody_present_alert)
            present_count=_count_of(
                Membership.objects.active_coordinators()
                .present()
                .filter(association=OuterRef("pk"))
            ),
        )
        .order_by("name", "pk")
    )
    # Each card counts the rows of the list it links to; all of them in one query.
    counts = count_each(
        shelters=Shelter.objects.for_user(request.user),
        pending_invitations=Invitation.objects.for_user(request.user).pending(),
        outside_area=Volunteer.objects.for_user(request.user),
        failed_deliveries=OutboxMessage.objects.for_user(request.user).failed(),
    )
    return render(
        request,
        "start/national_admin.html",
        {
            "associations": page_of(request, associations),
            "shelter_count": counts["shelters"],
            "pending_invitations": counts["pending_invitations"],
            "outside_area": counts["outside_area"],
            "failed_deliveries": counts["failed_deliveries"],
            "statistics_headline": national_headline(),
        },
    )


def _days_since(moment, now) -> int | None:
    return (now - moment).days if moment else None


def coordinator_start(request: HttpRequest, membership: Membership) -> HttpResponse:
    association = membership.own_association
    user = request.user
    today = timezone.localdate()
    # Each card counts the rows of the list it links to, through the same selector; all the
    # counts come in one query (count_each).
    waiting_referrals = matching_selectors.referrals_waiting(user)
    starting = matching_selectors.matches_starting(user)
    waiting_volunteers = volunteer_selectors.applications_waiting(user)
    counts = count_each(
        referrals_waiting=waiting_referrals,
        oldest_referral=Earliest(waiting_referrals, "created_at"),
        proposed=starting.filter(status=MatchStatus.PROPOSED),
        first_meetings=starting.filter(status=MatchStatus.FIRST_MEETING_PLANNED),
        follow_ups_due=matching_selectors.matches_follow_up_due(user, today=today),
        inactive=matching_selectors.matches_inactive(user, today=today),
        running=matching_selectors.matches_running(user),
        ending=matching_selectors.matches_ending(user, today=today),
        applications=waiting_volunteers,
        oldest_application=Earliest(waiting_volunteers, "applied_at"),
        commitments_ending=volunteer_selectors.commitments_ending(user),
        unsigned=volunteer_selectors.unsigned_current_declaration(association.pk)[1],
        pending_invitations=Invitation.objects.for_user(user).pending(),
        wellbeing_talk=WellbeingCheck.objects.for_user(user).needs_talk_open(),
        supervision_due=supervision_selectors.due_for(user),
    )
    now = timezone.now()
    month_end = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    sessions = (
        Session.objects.for_user(user)
        .upcoming()
        .filter(starts_at__date__lt=month_end)
        .select_related("course")
        .annotate(seated=Count("enrolments", filter=Q(enrolments__status__in=SEATED)))
        .filter(seated__lt=F("capacity"))
        .order_by("starts_at")
    )
    return render(
        request,
        "start/coordinator.html",
        {
            "association": association,
            "municipalities": association.municipalities.order_by("name"),
            # All of them, the ones away today marked with their last day away (a stand-in's
            # notices go to the others present: active_coordinators_of).
            "coordinators": User.objects.active_coordinators_of(association, away_too=True)
            .annotate(
                away_until=Subquery(
                    Absence.objects.filter(
                        user=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today
                    )
                    .order_by("-ends_on")
                    .values("ends_on")[:1]
                )
            )
            .order_by("first_name", "last_name"),
            "pending_invitations": counts["pending_invitations"],
            "open_concerns": list(
                Concern.objects.for_user(user)
                .open()
                .select_related("match__referral")
                .order_by("raised_at")
            ),
            # Volunteers whose wellbeing check asked to talk, not yet talked with (the list
            # is read only when there are any).
            "wellbeing_talk": list(
                WellbeingCheck.objects.for_user(user)
                .needs_talk_open()
                .select_related("volunteer")
                .order_by("answered_at")
            )
            if counts["wellbeing_talk"]
            else [],
            "follow_ups_due": counts["follow_ups_due"],
            "inactive_matches": counts["inactive"],
            "referrals_waiting": counts["referrals_waiting"],
            "oldest_referral_days": _days_since(counts["oldest_referral"], now),
            "matches_starting": counts["proposed"] + counts["first_meetings"],
            "matches_proposed": counts["proposed"],
            "first_meetings": counts["first_meetings"],
            "matches_running": counts["running"],
            "matches_ending": counts["ending"],
            "applications_waiting": counts["applications"],
            "oldest_application_days": _days_since(counts["oldest_application"], now),
            "commitments_ending": counts["commitments_ending"],
            "unsigned_declarations": counts["unsigned"],
            "supervision_due": counts["supervision_due"],
            "sessions": sessions,
            # The rules' numbers, for the cards that state them (the lists' own thresholds).
            "inactive_days": matching_selectors.INACTIVE_MATCH_DAYS,
            "match_ending_days": matching_selectors.MATCH_ENDING_DAYS,
            "commitment_ending_days": volunteer_selectors.COMMITMENT_ENDING_DAYS,
        },
    )


# The shelter's newest open referrals on its start page; all of them are on the referral list.
SHELTER_REFERRALS_SHOWN = 10


def shelter_staff_start(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Her shelter's open referrals, the newest first and at most SHELTER_REFERRALS_SHOWN; every
    referral, closed ones too, is on the referral list, a page at a time."""
    referrals = matching_selectors.shelter_referrals_open(request.user)[:SHELTER_REFERRALS_SHOWN]
    return render(
        request,
        "start/shelter_staff.html",
        {
            "shelter": membership.shelter,
            "referrals": matching_selectors.with_volunteer_contact(referrals),
            "counts": matching_selectors.shelter_referral_counts(request.user),
        },
    )


def volunteer_start(request: HttpRequest, membership: Membership) -> HttpResponse:
    volunteer = Volunteer.objects.for_user(request.user).first()
    year = volunteer_selectors.her_year(volunteer, timezone.localdate()) if volunteer else None
    matches = list(
        matching_selectors.with_last_contact(
            Match.objects.for_user(request.user)
            .exclude(status__in=[MatchStatus.ENDED, MatchStatus.CANCELLED])
            .select_related("referral__municipality")
        )
    )
    return render(
        request,
        "start/volunteer.html",
        {
            "volunteer": volunteer,
            "commitment": year.period if year else None,
            "renewed_until": year.renewed_until if year else None,
            "matches": matches,
            # "Log a meeting" only where there is a match to log it for.
            "running": any(match.is_running for match in matches),
            "sessions": volunteer_selectors.upcoming_sessions_of(volunteer)[:3]
            if volunteer
            else [],
            "association": membership.association,
            "supervision_next": supervision_selectors.next_session_of(volunteer)
            if volunteer
            else None,
            # Due for supervision (issue 18): only with an open match, so only then asked.
            # Invited to the wellbeing check after a session (for 7 days, or until she answers).
            "wellbeing_invitation": supervision_selectors.wellbeing_invitation(
                request.user, volunteer
            ),
            "supervision_due": volunteer is not None
            and bool(matches)
            and supervision_selectors.is_due(volunteer),
            "coordinators": matching_selectors.coordinators_for_volunteer(
                request.user, membership.own_association.pk
            ),
            "notifications": list(
                notification_selectors.in_acting_role(request.user, membership).unread()[
                    :VOLUNTEER_NOTIFICATIONS_SHOWN
                ]
            ),
        },
    )


def group_leader_start(request: HttpRequest, membership: Membership) -> HttpResponse:
    """One screen: the groups she leads, each with its next session and the last one held (to
    record its attendance). Nothing about any woman or match."""
    now = timezone.now()
    groups = supervision_selectors.led_groups(request.user, now)
    return render(request, "start/group_leader.html", {"groups": groups, "now": now})


START_PAGES: dict[str, Callable[[HttpRequest, Membership], HttpResponse]] = {
    Role.NATIONAL_ADMIN: national_admin_start,
    Role.COORDINATOR: coordinator_start,
    Role.SHELTER_STAFF: shelter_staff_start,
    Role.VOLUNTEER: volunteer_start,
    Role.GROUP_LEADER: group_leader_start,
}
