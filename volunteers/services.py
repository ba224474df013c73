"""State changes for applications, screening, approval and commitment periods.

Each function is one transaction, checks that the change is allowed, and lists its side
effects. A refused change raises VolunteerError with a message for the coordinator.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.geo import route_to_association
from accounts.models import (
    Association,
    Membership,
    Role,
    User,
    coordinators_by_association,
    erased_email,
)
from accounts.services import (
    AccessError,
    TwoStepResetRefused,
    invitation_create,
    invitations_withdraw,
    sessions_end_all,
    two_step_reset,
)
from common.dates import add_years
from courses.selectors import has_completed_required_courses
from courses.services import enrolments_withdraw
from notifications.services import email_send, notify, outbox_forget
from volunteers import hooks
from volunteers import notifications as kinds
from volunteers.models import (
    ACTIVE,
    OPEN_APPLICATION,
    TRANSITIONS,
    CommitmentPause,
    CommitmentPeriod,
    ConfidentialityDeclaration,
    EndReason,
    Status,
    Volunteer,
    VolunteerAction,
    VolunteerLanguage,
    WellbeingCheck,
    WellbeingOccasion,
)

POLICE_CERTIFICATE_LEGAL_BASIS = "krisesenterlova § 7"


class VolunteerError(Exception):
    """A change the rules do not allow; the message is for the person who tried."""


def volunteer_check_actionable(volunteer: Volunteer, action: VolunteerAction) -> None:
    """Refuse `action` on an erased volunteer, or one who has left, when it makes no sense
    (the rule is Volunteer.refusal). Every service below calls it before it changes anything."""
    refusal = volunteer.refusal(action)
    if refusal:
        raise VolunteerError(refusal)


def invitation_refusal(*, email: str, role: str, association: Association | None) -> str | None:
    """Why `email` cannot be invited to the volunteer role of `association` (she has left),
    or None. accounts asks this before any invitation (settings.ACCOUNTS_INVITATION_CHECK)."""
    if role != Role.VOLUNTEER or association is None:
        return None
    latest = (
        Volunteer.objects.filter(email__iexact=email, association=association)
        .order_by("-applied_at", "-pk")
        .first()
    )
    return latest.refusal(VolunteerAction.INVITE) if latest is not None else None


def _coordinators(association: Association | None) -> list[User]:
    return list(User.objects.active_coordinators_of(association))


def _national_admins() -> list[User]:
    return list(
        User.objects.filter(
            memberships__role=Role.NATIONAL_ADMIN,
            memberships__ended_at__isnull=True,
            is_active=True,
        ).distinct()
    )


def _set_languages(volunteer: Volunteer, codes: list[str]) -> None:
    volunteer.languages.exclude(code__in=codes).delete()
    have = set(volunteer.languages.values_list("code", flat=True))
    VolunteerLanguage.objects.bulk_create(
        [VolunteerLanguage(volunteer=volunteer, code=code) for code in codes if code not in have]
    )


APPLICATION_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "municipality",
    "birth_year",
    "strengths",
    "availability",
    "motivation",
)


def _comparable(answer):
    """An answer as compared between two applications: lists in any order, text trimmed."""
    if isinstance(answer, list | tuple):
        return sorted(answer)
    if isinstance(answer, str):
        return answer.strip()
    return answer


@transaction.atomic
def application_submit(
    *, data: dict, languages: list[str], language: str | None = None
) -> Volunteer:
    """Receive an application from the public page.

    Routed to the association covering her municipality, or else the nearest one (then marked
    outside_area for national admins). A new application from an email that already has an
    open one is merged into it (the newest answers win, and which answers changed is kept for the
    coordinator to check with her) and never revealed to the sender.
    Side effects: creates or updates a Volunteer and her languages; notifies the association's
    coordinators (and national admins when outside every area); emails her a receipt after
    commit.
    """
    email = data["email"].strip().lower()
    now = timezone.now()
    existing = (
        Volunteer.objects.select_for_update()
        .filter(email__iexact=email, status__in=OPEN_APPLICATION)
        .order_by("-applied_at")
        .first()
    )
    language = language or settings.LANGUAGE_CODE
    if existing is not None:
        changed = [
            name
            for name in APPLICATION_FIELDS
            if _comparable(getattr(existing, name)) != _comparable(data[name])
        ]
        if sorted(languages) != sorted(existing.language_codes):
            changed.append("languages")
        for name in APPLICATION_FIELDS:
            setattr(existing, name, data[name])
        existing.changed_on_reapplying = changed
        existing.language = language
        existing.application_count += 1
        existing.last_applied_at = now
        existing.consent_at = now
        existing.save()
        _set_languages(existing, languages)
        notify(
            recipients=_coordinators(existing.association),
            kind=kinds.APPLICATION_REPEATED,
            link=reverse("volunteer_detail", args=[existing.public_id]),
            role=Role.COORDINATOR,
            association_id=existing.association_id,
        )
        volunteer = existing
    else:
        association, outside = route_to_association(data["municipality"])
        volunteer = Volunteer.objects.create(
            association=association,
            outside_area=outside,
            email=email,
            language=language,
            consent_at=now,
            applied_at=now,
            last_applied_at=now,
            **{name: data[name] for name in APPLICATION_FIELDS},
        )
        _set_languages(volunteer, languages)
        link = reverse("volunteer_detail", args=[volunteer.public_id])
        notify(
            recipients=_coordinators(association),
            kind=kinds.NEW_APPLICATION,
            link=link,
            role=Role.COORDINATOR,
            association_id=volunteer.association_id,
        )
        if outside:
            notify(
                recipients=_national_admins(),
                kind=kinds.APPLICATION_OUTSIDE_AREA,
                link=reverse("volunteer_outside_area"),
                role=Role.NATIONAL_ADMIN,
            )
    email_send(
        to=email,
        template="volunteers/email/application_received",
        context={"first_name": volunteer.first_name},
        language=language,
    )
    return volunteer


def screening_missing(volunteer: Volunteer) -> list[str]:
    """What is still missing before she can be approved, in words for the coordinator."""
    missing = []
    if not volunteer.interview_on:
        missing.append(_("the interview"))
    if not (volunteer.first_reference_checked_on and volunteer.second_reference_checked_on):
        missing.append(_("two references checked"))
    current = ConfidentialityDeclaration.current()
    if current is None or volunteer.confidentiality_version_id != current.pk:
        missing.append(_("the confidentiality declaration, current version, signed"))
    if not volunteer.police_certificate_seen_on:
        missing.append(_("the police certificate seen"))
    return missing


def approval_missing(volunteer: Volunteer) -> list[str]:
    missing = screening_missing(volunteer)
    if not has_completed_required_courses(volunteer):
        missing.append(_("every course required for matching completed"))
    return missing


def _check_not_future(day: date | None) -> None:
    if day and day > timezone.localdate():
        raise VolunteerError(_("The date cannot be in the future."))


@transaction.atomic
def screening_record_interview(*, volunteer: Volunteer, on: date, by: User, note: str = "") -> None:
    """Side effects: sets the interview date, interviewer and note."""
    volunteer_check_actionable(volunteer, VolunteerAction.SCREEN)
    _check_not_future(on)
    volunteer.interview_on, volunteer.interview_by, volunteer.interview_note = on, by, note
    volunteer.save(update_fields=["interview_on", "interview_by", "interview_note"])


@transaction.atomic
def screening_record_references(
    *, volunteer: Volunteer, first_on: date | None, second_on: date | None
) -> None:
    """Side effects: sets the dates the two references were checked."""
    volunteer_check_actionable(volunteer, VolunteerAction.SCREEN)
    _check_not_future(first_on)
    _check_not_future(second_on)
    volunteer.first_reference_checked_on = first_on
    volunteer.second_reference_checked_on = second_on
    volunteer.save(update_fields=["first_reference_checked_on", "second_reference_checked_on"])


@transaction.atomic
def screening_record_confidentiality(
    *, volunteer: Volunteer, on: date, version: ConfidentialityDeclaration
) -> None:
    """Side effects: records which version of the declaration she signed, and when."""
    volunteer_check_actionable(volunteer, VolunteerAction.SCREEN)
    _check_not_future(on)
    volunteer.confidentiality_signed_on, volunteer.confidentiality_version = on, version
    volunteer.save(update_fields=["confidentiality_signed_on", "confidentiality_version"])


@transaction.atomic
def screening_record_police_certificate(*, volunteer: Volunteer, on: date, by: User) -> None:
    """Record that her police certificate was shown: only the date, who saw it and the legal
    basis. Never a copy, never its content.

    Side effects: sets the three police-certificate fields.
    """
    volunteer_check_actionable(volunteer, VolunteerAction.SCREEN)
    _check_not_future(on)
    volunteer.police_certificate_seen_on = on
    volunteer.police_certificate_seen_by = by
    volunteer.police_certificate_legal_basis = POLICE_CERTIFICATE_LEGAL_BASIS
    volunteer.save(
        update_fields=[
            "police_certificate_seen_on",
            "police_certificate_seen_by",
            "police_certificate_legal_basis",
        ]
    )


@transaction.atomic
def confidentiality_sign(*, volunteer: Volunteer, version: ConfidentialityDeclaration) -> Volunteer:
    """She signs the declaration herself, on her own page: only the current version.

    Side effects: records the version and today as signed (what the coordinator's screening
    step records for a volunteer who signed on paper).
    """
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    volunteer_check_actionable(locked, VolunteerAction.UPDATE_PROFILE)
    current = ConfidentialityDeclaration.current()
    if current is None or current.pk != version.pk:
        raise VolunteerError(
            _("A newer version of the declaration has been published. Read it, then sign it.")
        )
    locked.confidentiality_signed_on = timezone.localdate()
    locked.confidentiality_version = current
    locked.save(update_fields=["confidentiality_signed_on", "confidentiality_version"])
    volunteer.refresh_from_db()
    return locked


@transaction.atomic
def declaration_publish(*, text: str) -> ConfidentialityDeclaration:
    """NKS sentralt publishes a new version of the confidentiality declaration: the text is
    national, and every active volunteer must sign it again within
    settings.CONFIDENTIALITY_SIGN_DAYS (then she is not suggested for matching until she has).

    Side effects: creates the next version, valid from today; every active volunteer with a
    login is notified (she signs on her own page), and the coordinators of every association
    with active volunteers (they record it for those without a login).
    """
    text = text.strip()
    if not text:
        raise VolunteerError(_("Write the text of the declaration."))
    current = ConfidentialityDeclaration.objects.select_for_update().order_by("-version").first()
    if current is not None and current.text.strip() == text:
        raise VolunteerError(_("The text is the same as the current version."))
    declaration = ConfidentialityDeclaration.objects.create(
        version=(current.version + 1) if current else 1, text=text, valid_from=timezone.localdate()
    )
    active = Volunteer.objects.filter(status__in=ACTIVE, erased_at__isnull=True)
    volunteers: dict[int, list[int]] = {}
    for association_id, user_id in active.filter(user__isnull=False).values_list(
        "association_id", "user_id"
    ):
        volunteers.setdefault(association_id, []).append(user_id)
    coordinators = coordinators_by_association(
        active.values_list("association_id", flat=True).distinct()
    )
    users = User.objects.in_bulk(
        {u for ids in [*volunteers.values(), *coordinators.values()] for u in ids}
    )
    for role, people, link in (
        (Role.VOLUNTEER, volunteers, reverse("my_confidentiality")),
        (Role.COORDINATOR, coordinators, reverse("confidentiality_overview")),
    ):
        for association_id, user_ids in people.items():
            notify(
                recipients=[users[u] for u in user_ids],
                kind=kinds.CONFIDENTIALITY_NEW,
                link=link,
                role=role,
                association_id=association_id,
            )
    return declaration


def _refuse_while_matched(volunteer: Volunteer) -> None:
    """A volunteer who leaves must not leave a woman in a match nobody follows: her open
    matches (proposed, first meeting planned, active or paused) are ended or cancelled first."""
    matches = hooks.open_matches(volunteer)
    if not matches:
        return
    message = ngettext(
        "She has %(n)s open match. End or cancel it first, on the match's page, so that "
        "the woman is not left without a ressursvenn and the outcome is recorded.",
        "She has %(n)s open matches. End or cancel them first, on each match's page, so "
        "that the women are not left without a ressursvenn and the outcomes are recorded.",
        len(matches),
    ) % {"n": len(matches)}
    # A match with a woman of a neighbouring association is followed (and ended) there.
    elsewhere = sorted(
        {m.association_name for m in matches if m.association_id != volunteer.association_id}
    )
    if elsewhere:
        message += " " + _(
            "A match with a woman of another local association is ended by its coordinators: "
            "%(associations)s."
        ) % {"associations": ", ".join(elsewhere)}
    raise VolunteerError(message)


def _erase_police_certificate(volunteer: Volunteer) -> None:
    volunteer.police_certificate_seen_on = None
    volunteer.police_certificate_seen_by = None
    volunteer.police_certificate_legal_basis = ""


@transaction.atomic
def volunteer_transition(*, volunteer: Volunteer, to: str, reason: str = "") -> Volunteer:
    """Move a volunteer to another status, if TRANSITIONS allows it. Approval goes through
    volunteer_approve(). Rejection needs a reason.

    Side effects: sets status (and the reason for rejecting or ending). Ending or rejecting is
    refused while she has an open match (it is ended or cancelled first, with its outcome for
    the woman); it erases the police-certificate record, ends her open commitment period and
    her volunteer role, withdraws her waiting invitations to the role and gives up her seats in
    course sessions not yet held. Pausing pauses her year (a CommitmentPause from today);
    resuming moves her open commitment's end by the days paused (commitment_pause_end).
    """
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    volunteer_check_actionable(locked, VolunteerAction.CHANGE_STATUS)
    if to == Status.APPROVED and locked.status == Status.COURSE:
        raise VolunteerError(_("Use «Approve» to approve her."))
    if to not in TRANSITIONS[locked.status]:
        raise VolunteerError(
            _("She cannot go from «%(current)s» to «%(target)s».")
            % {"current": Status(locked.status).label, "target": Status(to).label}
        )
    if to == Status.REJECTED and not reason.strip():
        raise VolunteerError(_("Give a reason for the rejection."))
    if to in (Status.ENDED, Status.REJECTED):
        _refuse_while_matched(locked)
    was = locked.status
    locked.status = to
    locked.status_changed_at = timezone.now()
    if to in (Status.ENDED, Status.REJECTED):
        locked.status_reason = reason.strip()
        _erase_police_certificate(locked)
        open_period = locked.commitments.open().first()
        if open_period is not None:
            open_period.ended_on = min(timezone.localdate(), open_period.ends_on)
            open_period.end_reason = open_period.end_reason or EndReason.OTHER
            open_period.save(update_fields=["ended_on", "end_reason"])
        if locked.user_id:
            Membership.objects.active().filter(
                user_id=locked.user_id, role=Role.VOLUNTEER, association_id=locked.association_id
            ).end()
        invitations_withdraw(
            email=locked.email, role=Role.VOLUNTEER, association=locked.association
        )
        enrolments_withdraw(volunteer=locked)
    elif to == Status.PAUSED:
        _commitment_pause_start(locked, on=timezone.localdate())
    elif was == Status.PAUSED and to == Status.APPROVED:
        commitment_pause_end(locked, on=timezone.localdate())
    locked.save()
    volunteer.refresh_from_db()
    return locked


def _commitment_pause_start(volunteer: Volunteer, *, on: date) -> None:
    """Her year stops counting from `on`: a pause of her open commitment period (none if she
    has no open period)."""
    period = volunteer.commitments.open().first()
    if period is not None:
        CommitmentPause.objects.create(period=period, paused_on=on)


def commitment_pause_end(volunteer: Volunteer, *, on: date) -> CommitmentPause | None:
    """The rule, in one place: pausing pauses the year. Her open pause ends on `on`, and her
    open commitment period's end moves by the days she was paused; the pause records the days
    and both ends (her commitment's history). None when she had no open pause."""
    pause = (
        CommitmentPause.objects.select_for_update()
        .filter(period__volunteer=volunteer, resumed_on__isnull=True)
        .order_by("-paused_on", "-pk")
        .first()
    )
    if pause is None:
        return None
    days = max(0, (on - pause.paused_on).days)
    pause.resumed_on, pause.days = on, days
    period = volunteer.commitments.open().select_for_update().first()
    if period is not None:
        pause.ends_on_before = period.ends_on
        period.ends_on += timedelta(days=days)
        pause.ends_on_after = period.ends_on
        period.save(update_fields=["ends_on"])
    pause.save(update_fields=["resumed_on", "days", "ends_on_before", "ends_on_after"])
    return pause


def volunteer_login_invite(volunteer: Volunteer, *, by: User, acting: Membership) -> User:
    """Her login and the invitation to choose its password, as at approval (and for an
    imported ressursvenn). Sets volunteer.user; the caller saves her.

    Side effects: a login without a password is created or found for her email; an invitation
    to the volunteer role of her association, emailed after commit."""
    user = User.objects.filter(email__iexact=volunteer.email).first()
    if user is None:
        user = User.objects.create_user(
            volunteer.email,
            first_name=volunteer.first_name,
            last_name=volunteer.last_name,
            language=volunteer.language,
        )  # no password: she chooses it from the invitation
    volunteer.user = user
    try:
        invitation_create(
            invited_by=by,
            acting=acting,
            email=volunteer.email,
            first_name=volunteer.first_name,
            last_name=volunteer.last_name,
            role=Role.VOLUNTEER,
            association=volunteer.association,
            language=user.language,
        )
    except AccessError as error:
        raise VolunteerError(str(error)) from error
    return user


@transaction.atomic
def volunteer_approve(*, volunteer: Volunteer, by: User, acting: Membership) -> Volunteer:
    """Approve her as a ressursvenn: every screening step done and every course required for
    matching completed.

    Side effects: status approved; a login (without a password) is created or found for her
    email; an invitation to set her password is emailed (after commit); a one-year commitment
    period opens from today; she is notified once she has logged in.
    """
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    volunteer_check_actionable(locked, VolunteerAction.APPROVE)
    if locked.status != Status.COURSE:
        raise VolunteerError(_("Only a volunteer at the course stage can be approved."))
    missing = approval_missing(locked)
    if missing:
        raise VolunteerError(
            _("She cannot be approved yet. Missing: %(missing)s.") % {"missing": ", ".join(missing)}
        )
    user = volunteer_login_invite(locked, by=by, acting=acting)
    today = timezone.localdate()
    CommitmentPeriod.objects.create(volunteer=locked, starts_on=today, ends_on=add_years(today, 1))
    locked.status = Status.APPROVED
    locked.status_changed_at = locked.approved_at = timezone.now()
    locked.save()
    notify(
        recipients=[user],
        kind=kinds.APPROVED,
        link=reverse("my_page"),
        role=Role.VOLUNTEER,
        association_id=locked.association_id,
    )
    volunteer.refresh_from_db()
    return locked


@transaction.atomic
def commitment_renew(*, volunteer: Volunteer) -> CommitmentPeriod:
    """Another year, from the end of the last one.

    Side effects: closes the open period as renewed (on its end date) and opens the next.
    """
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    volunteer_check_actionable(locked, VolunteerAction.COMMITMENT)
    if locked.status not in (Status.APPROVED, Status.PAUSED):
        raise VolunteerError(_("Only an approved volunteer can renew her commitment."))
    last = locked.commitments.order_by("-ends_on").first()
    if last is None:
        raise VolunteerError(_("She has no commitment period to renew."))
    if last.ended_on is None:
        last.ended_on, last.end_reason = last.ends_on, EndReason.RENEWED
        last.save(update_fields=["ended_on", "end_reason"])
    start = max(last.ends_on, timezone.localdate())
    return CommitmentPeriod.objects.create(
        volunteer=locked, starts_on=start, ends_on=add_years(start, 1)
    )


@transaction.atomic
def commitment_end(
    *, period: CommitmentPeriod, on: date, reason: str, note: str = ""
) -> CommitmentPeriod:
    """End a commitment period early or on time, with a reason.

    Side effects: sets ended_on, end_reason and end_note. Her status is not changed (pausing or
    ending her as a volunteer are separate decisions).
    """
    locked = CommitmentPeriod.objects.select_for_update().get(pk=period.pk)
    volunteer_check_actionable(locked.volunteer, VolunteerAction.COMMITMENT)
    if locked.ended_on is not None:
        raise VolunteerError(_("This commitment period has already ended."))
    if on < locked.starts_on:
        raise VolunteerError(_("It cannot end before it started."))
    if reason not in EndReason.values or reason == EndReason.RENEWED:
        raise VolunteerError(_("Choose a reason."))
    locked.ended_on, locked.end_reason, locked.end_note = on, reason, note
    locked.save(update_fields=["ended_on", "end_reason", "end_note"])
    return locked


@transaction.atomic
def volunteer_update_profile(
    *, volunteer: Volunteer, phone, availability: int, strengths: int, languages: list[str]
) -> Volunteer:
    """What she may change herself: phone, availability, strengths and languages.

    Side effects: updates those fields and her languages.
    """
    volunteer_check_actionable(volunteer, VolunteerAction.UPDATE_PROFILE)
    volunteer.phone, volunteer.availability, volunteer.strengths = phone, availability, strengths
    volunteer.save(update_fields=["phone", "availability", "strengths"])
    _set_languages(volunteer, languages)
    return volunteer


@transaction.atomic
def volunteer_route(*, volunteer: Volunteer, association: Association) -> Volunteer:
    """A national admin sends an application from outside every area to an association.

    Side effects: sets the association, clears outside_area, notifies its coordinators.
    """
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    volunteer_check_actionable(locked, VolunteerAction.ROUTE)
    locked.association, locked.outside_area = association, False
    locked.save(update_fields=["association", "outside_area"])
    notify(
        recipients=_coordinators(association),
        kind=kinds.NEW_APPLICATION,
        link=reverse("volunteer_detail", args=[locked.public_id]),
        role=Role.COORDINATOR,
        association_id=association.pk,
    )
    return locked


@transaction.atomic
def volunteer_erase(*, volunteer: Volunteer) -> Volunteer:
    """Erase a volunteer's personal data when she has left (or withdrawn her consent), keeping
    the statistical facts: status, dates, municipality and association.

    Side effects: name, email, phone, motivation, interview note, languages, strengths,
    availability and her wellbeing checks are erased, with the police-certificate record; her waiting invitations to the
    volunteer role are withdrawn and her seats in sessions not yet held given up; emails to her
    still waiting are not sent and the outbox forgets her address (outbox_forget); her login is
    deactivated and scrubbed and loses every role; the change history of her rows is deleted;
    erased_at is set. Refused when she is already erased.
    """
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    volunteer_check_actionable(locked, VolunteerAction.ERASE)
    _refuse_while_matched(locked)
    invitations_withdraw(email=locked.email, role=Role.VOLUNTEER, association=locked.association)
    enrolments_withdraw(volunteer=locked)
    outbox_forget(email=locked.email, user=locked.user)
    locked.first_name, locked.last_name = "–", ""
    locked.email = erased_email(locked.public_id)
    locked.phone = ""
    locked.motivation = locked.interview_note = locked.status_reason = ""
    locked.strengths = locked.availability = 0
    locked.interview_by = None
    _erase_police_certificate(locked)
    locked.erased_at = timezone.now()
    user = locked.user
    locked.save()
    locked.languages.all().delete()
    CommitmentPeriod.objects.filter(volunteer=locked).update(end_note="")
    WellbeingCheck.objects.filter(volunteer=locked).delete()
    if (
        user is not None
        and not Membership.objects.active().exclude(role=Role.VOLUNTEER).filter(user=user).exists()
    ):
        Membership.objects.active().filter(user=user).end()
        user.first_name, user.last_name, user.phone = "", "", ""
        user.email = erased_email(user.public_id)
        user.is_active = False
        user.set_unusable_password()
        user.save()
    content_types = ContentType.objects.get_for_models(Volunteer, CommitmentPeriod)
    LogEntry.objects.filter(
        content_type=content_types[Volunteer], object_pk=str(locked.pk)
    ).delete()
    LogEntry.objects.filter(
        content_type=content_types[CommitmentPeriod],
        object_pk__in=[str(pk) for pk in locked.commitments.values_list("pk", flat=True)],
    ).delete()
    return locked


@transaction.atomic
def volunteer_invite_to_log_in(*, volunteer: Volunteer, by: User, acting: Membership) -> User:
    """Invite an approved (or paused) ressursvenn without a login to log in: one imported
    from a spreadsheet whose invitation was not sent at the import (volunteer_login_invite,
    the same invitation as at approval).

    Side effects: a login without a password is created or found for her email, and set on her;
    an invitation to the volunteer role of her association, emailed after commit. Refused
    unless she is active and has no login yet."""
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    volunteer_check_actionable(locked, VolunteerAction.INVITE)
    if locked.status not in ACTIVE or locked.user_id is not None:
        raise VolunteerError(_("Only an approved volunteer without a login can be invited."))
    user = volunteer_login_invite(locked, by=by, acting=acting)
    locked.save(update_fields=["user"])
    return user


def volunteer_log_out_everywhere(*, volunteer: Volunteer) -> None:
    """Her phone was lost or shared: end every session of her login.

    Side effects: sessions_end_all() on her login. Refused once she is erased, or without a
    login.
    """
    volunteer_check_actionable(volunteer, VolunteerAction.LOG_OUT)
    user = volunteer.user
    if user is None:
        raise VolunteerError(_("She has no login."))
    sessions_end_all(user=user)


def volunteer_reset_two_step(*, volunteer: Volunteer) -> None:
    """She lost her phone and her recovery codes: her two-step login is reset (see
    accounts.services.two_step_reset, which lists the side effects: authenticators deleted,
    logged out everywhere, one email). Refused once she is erased or has left, or without a
    login.
    """
    volunteer_check_actionable(volunteer, VolunteerAction.RESET_TWO_STEP)
    user = volunteer.user
    if user is None:
        raise VolunteerError(_("She has no login."))
    try:
        two_step_reset(user=user)
    except TwoStepResetRefused as error:
        raise VolunteerError(str(error)) from error


# --- Her wellbeing check ---------------------------------------------------------------------


@transaction.atomic
def wellbeing_check_answer(
    *,
    volunteer: Volunteer,
    feeling: int,
    needs_talk: bool,
    note: str = "",
    occasion: str = WellbeingOccasion.ANY_TIME,
) -> WellbeingCheck:
    """She answers the short wellbeing check (from her page; or after a supervision session,
    from the invitation, with occasion=AFTER_SUPERVISION).

    Side effects: one WellbeingCheck; when she needs to talk, her association's coordinators
    present (active_coordinators_of: a stand-in covers one away) are notified at once with the
    neutral, urgent WELLBEING_TALK (no name, no note), linking to her volunteer page. Refused
    once she is erased.
    """
    if volunteer.erased_at is not None:
        raise VolunteerError(_("Her personal data has been erased."))
    check = WellbeingCheck.objects.create(
        volunteer=volunteer,
        feeling=feeling,
        needs_talk=needs_talk,
        note=note.strip(),
        occasion=occasion,
    )
    if needs_talk and volunteer.association_id is not None:
        notify(
            recipients=User.objects.active_coordinators_of(volunteer.association_id),
            kind=kinds.WELLBEING_TALK,
            link=volunteer.get_absolute_url(),
            role=Role.COORDINATOR,
            association_id=volunteer.association_id,
        )
    return check


def wellbeing_check_delete(*, check: WellbeingCheck) -> None:
    """She deletes one of her answers: gone for good (no change history is kept of them)."""
    check.delete()


def wellbeing_check_talked(*, check: WellbeingCheck) -> WellbeingCheck:
    """The coordinator has talked with her: the answer no longer counts as waiting."""
    if check.talked_at is None:
        check.talked_at = timezone.now()
        check.save(update_fields=["talked_at"])
    return check
