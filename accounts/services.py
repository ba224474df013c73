"""State changes for people and access. Each function is one transaction and lists its effects."""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts import mail
from accounts.audit import access_log_record
from accounts.lists import MAX_FLAGS, ProgrammeList
from accounts.lists import forget as forget_lists
from accounts.models import (
    ERASED_REFUSAL,
    Absence,
    AccessLog,
    Association,
    Coverage,
    Invitation,
    Membership,
    Role,
    Shelter,
    User,
    is_erased_email,
)


class AccessError(Exception):
    """A change that the rules do not allow; the message is for the person who tried."""


def can_invite(acting: Membership | None, *, role: str, association: Association | None) -> bool:
    """National admins invite admins, coordinators and shelter staff; a coordinator invites
    volunteers of her own association."""
    if acting is None:
        return False
    if acting.role == Role.NATIONAL_ADMIN:
        return role in {Role.NATIONAL_ADMIN, Role.COORDINATOR, Role.SHELTER_STAFF}
    if acting.role == Role.COORDINATOR:
        return (
            role == Role.VOLUNTEER
            and association is not None
            and association.pk == acting.association_id
        )
    return False


def invitation_create(
    *,
    invited_by: User,
    acting: Membership | None,
    email: str,
    role: str,
    association: Association | None = None,
    shelter: Shelter | None = None,
    first_name: str = "",
    last_name: str = "",
    language: str | None = None,
) -> tuple[Invitation, str]:
    """Invite `email` to a role and email her a single-use link valid for INVITATION_VALID_DAYS.

    The email is written in `language` (the language she is known to read), else in the
    inviter's.

    Side effects: withdraws earlier pending invitations of the same email to the same role and
    place; creates an Invitation (storing only a hash of the token); sends one email after
    commit. Returns the invitation and the token (the only copy; the link carries it).
    """
    if not can_invite(acting, role=role, association=association):
        raise AccessError(_("You cannot invite to this role."))
    return _invitation_issue(
        invited_by=invited_by,
        email=email,
        role=role,
        association=association,
        shelter=shelter,
        first_name=first_name,
        last_name=last_name,
        language=language or translation.get_language(),
        send=True,
    )


def national_admin_invite(
    *, email: str, send: bool = True, language: str | None = None
) -> tuple[Invitation, str]:
    """Invite the first national admin (`manage.py create_national_admin`): whoever runs the
    command on the server is trusted, so there is no inviter. The same single-use, expiring
    invitation as any other; `send=False` sends no email (the command prints the link).

    Side effects: as invitation_create() (the email only when `send`).
    """
    return _invitation_issue(
        invited_by=None,
        email=email,
        role=Role.NATIONAL_ADMIN,
        association=None,
        shelter=None,
        first_name="",
        last_name="",
        language=language or settings.LANGUAGE_CODE,
        send=send,
    )


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[token])


def _invitation_issue(
    *,
    invited_by: User | None,
    email: str,
    role: str,
    association: Association | None,
    shelter: Shelter | None,
    first_name: str,
    last_name: str,
    language: str,
    send: bool,
) -> tuple[Invitation, str]:
    email = User.objects.normalize_email(email).lower()
    refusal = invitation_refusal(email=email, role=role, association=association)
    if refusal:
        raise AccessError(refusal)
    scope = {"role": role, "association": association, "shelter": shelter}
    if Membership.objects.active().filter(user__email__iexact=email, **scope).exists():
        raise AccessError(_("She already has this role."))
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.pending().filter(email__iexact=email, **scope).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation.objects.create(
            email=email,
            first_name=first_name,
            last_name=last_name,
            token_hash=Invitation.hash_token(token),
            invited_by=invited_by,
            **scope,
        )
        if send:
            _send_invitation_email(invitation, token, language)
    return invitation, token


def invitation_refusal(*, email: str, role: str, association: Association | None) -> str | None:
    """Why `email` cannot be invited to `role`, or None. Never an erased address; and the app
    that knows the role may refuse too (settings.ACCOUNTS_INVITATION_CHECK, a dotted path:
    accounts knows no higher app), e.g. the volunteer role for someone who has left."""
    if is_erased_email(email):
        return str(ERASED_REFUSAL)
    check = getattr(settings, "ACCOUNTS_INVITATION_CHECK", "")
    if check:
        return import_string(check)(email=email, role=role, association=association)
    return None


def invitations_withdraw(*, email: str, role: str, association: Association | None) -> int:
    """Withdraw the waiting invitations of `email` to `role` in `association` (she left, or
    her data is erased), so that no link still hands her the role.

    Side effects: sets revoked_at on those invitations. Returns how many.
    """
    return (
        Invitation.objects.pending()
        .filter(email__iexact=email, role=role, association=association)
        .update(revoked_at=timezone.now())
    )


def _send_invitation_email(invitation: Invitation, token: str, language: str | None) -> None:
    # Neutral by design: no role, place or programme detail that could tell an onlooker more.
    link = invitation_link(token)
    context = {"link": link, "valid_days": settings.INVITATION_VALID_DAYS}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = _("Your invitation to Ressursvenner")
        text = render_to_string("accounts/email/invitation.txt", context)
        html = render_to_string("accounts/email/invitation.html", context)
    mail.deliver(to=invitation.email, subject=str(subject), body=text, html=html)


def invitation_find(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("association", "shelter")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def invitation_needs_login(invitation: Invitation) -> bool:
    """True when the invited email already has a login: she logs in to accept it."""
    user = User.objects.filter(email__iexact=invitation.email).first()
    return user is not None and user.has_usable_password()


def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    language: str | None = None,
) -> User:
    """Accept an invitation: give the role, and set the password of a new login.

    `user` is the logged-in person accepting it with an existing login (her email must match);
    otherwise a login is created (or an unused one completed) with `password`.
    Side effects: creates or updates the User and her verified EmailAddress; creates the
    Membership; marks the invitation accepted, so the link never works again.
    """
    with transaction.atomic():
        # Two clicks on the same link at once: the row lock lets exactly one through.
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.status != Invitation.Status.PENDING:
            raise AccessError(_("This invitation can no longer be used."))
        if user is not None:
            if user.email.lower() != locked.email.lower():
                raise AccessError(_("This invitation was sent to another email address."))
        else:
            user = User.objects.filter(email__iexact=locked.email).first()
            if user is not None and user.has_usable_password():
                raise AccessError(_("You already have a login. Log in to accept the invitation."))
            if user is None:
                user = User(email=locked.email)
            user.first_name = first_name or locked.first_name
            user.last_name = last_name or locked.last_name
            user.is_active = True
            if language:  # the language she read the invitation page in
                user.language = language
            user.set_password(password)
            user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.get_or_create(
            user=user,
            role=locked.role,
            association=locked.association,
            shelter=locked.shelter,
            ended_at=None,
            defaults={"created_by": locked.invited_by},
        )
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
    invitation.refresh_from_db()
    return user


def invitation_revoke(*, invitation: Invitation) -> None:
    """Withdraw a pending invitation. Side effects: sets revoked_at; the link stops working."""
    if invitation.status != Invitation.Status.PENDING:
        raise AccessError(_("Only a waiting invitation can be withdrawn."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


def sessions_end_all(*, user: User) -> None:
    """Log her out on every device (a lost phone, a shared computer).

    Side effects: sets sessions_revoked_at; every session that began before it ends on its next
    request (accounts.middleware).
    """
    User.objects.filter(pk=user.pk).update(sessions_revoked_at=timezone.now())


class TwoStepResetRefused(AccessError):
    pass


@transaction.atomic
def two_step_reset(*, user: User) -> None:
    """She lost her phone and her recovery codes: her coordinator resets her two-step login, so
    that she sets it up again at her next login (with her password).

    Only for a login that is a volunteer's and nothing else: a coordinator must not reset the
    login of a colleague or an admin; never for a closed or erased login. Side effects: her
    authenticators (app, recovery codes, security keys) are deleted; she is logged out
    everywhere; she gets an email saying so (if she did not ask for it, she tells her
    coordinator).
    """
    from allauth.mfa.models import Authenticator

    if is_erased_email(user.email):
        raise TwoStepResetRefused(str(ERASED_REFUSAL))
    if not user.is_active:
        raise TwoStepResetRefused(_("Her login is closed, so there is nothing to reset."))
    if Membership.objects.active().filter(user=user).exclude(role=Role.VOLUNTEER).exists():
        raise TwoStepResetRefused(
            _("She has another role too: a national admin resets her two-step login.")
        )
    Authenticator.objects.filter(user=user).delete()
    sessions_end_all(user=user)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Your two-step login has been reset")
        text = render_to_string("accounts/email/two_step_reset.txt", {})
    transaction.on_commit(lambda: mail.deliver(to=user.email, subject=str(subject), body=text))


def membership_end(*, membership: Membership) -> None:
    """Take a role away. Side effects: sets ended_at; it stops working on her next request."""
    if membership.ended_at is None:
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended_at"])


# --- The national admin's pages ----------------------------------------------------------------


def association_save(
    *,
    association: Association,
    municipalities: list,
) -> Association:
    """Create or change a local association (its fields set on `association` by the form) and
    set the municipalities it covers to exactly `municipalities`.

    Refuses a municipality covered by another association (one association per municipality).
    Side effects: saves the association; removes the coverage it no longer has and adds the new
    (the change history records both). Their coordinators' next request sees the change.
    """
    wanted = {m.pk for m in municipalities}
    with transaction.atomic():
        taken = Coverage.objects.filter(municipality_id__in=wanted)
        if association.pk:
            taken = taken.exclude(association_id=association.pk)
        if taken.exists():
            raise AccessError(_("A municipality can be covered by one association only."))
        association.save()
        have = set(association.coverage.values_list("municipality_id", flat=True))
        for coverage in association.coverage.filter(municipality_id__in=have - wanted):
            coverage.delete()
        for municipality_id in sorted(wanted - have):
            Coverage.objects.create(association=association, municipality_id=municipality_id)
    return association


def shelter_save(*, shelter: Shelter) -> Shelter:
    """Create or change a crisis shelter. Side effects: saves it (the change history records
    it); its staff's next request sees the change."""
    shelter.save()
    return shelter


def _ensure_not_last_admin(membership: Membership) -> None:
    if (
        membership.role == Role.NATIONAL_ADMIN
        and membership.ended_at is None
        and not Membership.objects.active()
        .filter(role=Role.NATIONAL_ADMIN, user__is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise AccessError(_("She is the only national admin: invite another one first."))


def membership_role_change(
    *,
    membership: Membership,
    role: str,
    association: Association | None,
    shelter: Shelter | None,
    by: User,
) -> Membership:
    """Give a person another role (or the same role elsewhere): her membership ends and a new
    one begins, so the history keeps what she was before.

    Only among the roles a national admin gives (national admin, coordinator, shelter staff): a
    volunteer's role follows her volunteer record, which her coordinator keeps. Side effects:
    ends `membership`; creates the new one; it takes effect on her next request.
    """
    staff_roles = {Role.NATIONAL_ADMIN, Role.COORDINATOR, Role.SHELTER_STAFF}
    if membership.role not in staff_roles or role not in staff_roles:
        raise AccessError(_("A volunteer's role is changed by her coordinator, on her page."))
    if membership.ended_at is not None:
        raise AccessError(_("This role has ended already."))
    if role == Role.COORDINATOR and association is None:
        raise AccessError(_("Choose the local association she will coordinate."))
    if role == Role.SHELTER_STAFF and shelter is None:
        raise AccessError(_("Choose the crisis shelter she works at."))
    scope = {
        "role": role,
        "association": association if role == Role.COORDINATOR else None,
        "shelter": shelter if role == Role.SHELTER_STAFF else None,
    }
    if (membership.role, membership.association, membership.shelter) == tuple(scope.values()):
        raise AccessError(_("She has this role already."))
    with transaction.atomic():
        if Membership.objects.active().filter(user=membership.user, **scope).exists():
            raise AccessError(_("She already has this role."))
        _ensure_not_last_admin(membership)
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended_at"])
        return Membership.objects.create(user=membership.user, created_by=by, **scope)


def membership_end_by_admin(*, membership: Membership, by: User) -> None:
    """A national admin takes a role away (never a volunteer's: her coordinator ends it with her
    commitment). Refuses to end the last national admin. Side effects: as membership_end()."""
    if membership.role == Role.VOLUNTEER:
        raise AccessError(_("A volunteer's role is changed by her coordinator, on her page."))
    with transaction.atomic():
        _ensure_not_last_admin(membership)
        membership_end(membership=membership)


def user_deactivate(*, user: User, by: User) -> None:
    """Close a login: she can no longer log in; her roles and history stay.

    Refuses her own login. Side effects: sets is_active False; logs her out everywhere.
    """
    if user.pk == by.pk:
        raise AccessError(_("You cannot close your own login."))
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        sessions_end_all(user=user)


def user_reactivate(*, user: User) -> None:
    """Open a closed login again (never an erased one). Side effects: sets is_active True."""
    if is_erased_email(user.email):
        raise AccessError(str(ERASED_REFUSAL))
    user.is_active = True
    user.save(update_fields=["is_active"])


@transaction.atomic
def two_step_reset_by_admin(*, user: User, by: User, role: str) -> None:
    """A coordinator or shelter staff lost her phone and her recovery codes: a national admin
    resets her two-step login, so that she sets it up again at her next login.

    Only for someone who holds a coordinator's or shelter staff's role (a volunteer's is reset
    by her coordinator); never her own, nor a closed or erased login. Side effects: her
    authenticators (app, recovery codes, security keys, passkeys) are deleted; she is logged
    out everywhere; the access log records the reset (by whom, in which role); she gets an
    email saying so.
    """
    from allauth.mfa.models import Authenticator

    if is_erased_email(user.email):
        raise TwoStepResetRefused(str(ERASED_REFUSAL))
    if user.pk == by.pk:
        raise TwoStepResetRefused(_("You cannot reset your own two-step login here."))
    if not user.is_active:
        raise TwoStepResetRefused(_("Her login is closed, so there is nothing to reset."))
    if (
        not Membership.objects.active()
        .filter(user=user, role__in=[Role.COORDINATOR, Role.SHELTER_STAFF])
        .exists()
    ):
        raise TwoStepResetRefused(
            _("Here you reset the two-step login of coordinators and shelter staff.")
        )
    Authenticator.objects.filter(user=user).delete()
    sessions_end_all(user=user)
    access_log_record(
        user=by,
        role=role,
        action=AccessLog.Action.RESET_TWO_STEP,
        object_type="user",
        object_id=user.public_id,
    )
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Your two-step login has been reset")
        text = render_to_string("accounts/email/two_step_reset_national.txt", {})
    transaction.on_commit(lambda: mail.deliver(to=user.email, subject=str(subject), body=text))


# --- The programme's lists (accounts/lists.py) -------------------------------------------------


class ListError(Exception):
    """A change to a programme list the rules do not allow; the message is for the person."""


def _list_rows(programme_list: ProgrammeList) -> dict:
    """Every entry of the list as a locked row: an entry still read from the code's choices is
    written first, so that a change of order or names has a row for each."""
    from accounts.models import ListEntry

    ListEntry.objects.bulk_create(
        [
            ListEntry(
                list_key=programme_list.key,
                value=str(entry.value),
                name_nb=entry.name_nb,
                name_en=entry.name_en,
                position=position,
                active=entry.active,
            )
            for position, entry in enumerate(programme_list.entries())
        ],
        ignore_conflicts=True,
    )
    rows = ListEntry.objects.select_for_update().filter(list_key=programme_list.key)
    return {programme_list.to_value(row.value): row for row in rows.order_by("position", "pk")}


def _list_entry_row(programme_list: ProgrammeList, value):
    rows = _list_rows(programme_list)
    if value not in rows:
        raise ListError(_("This entry is not in the list."))
    return rows, rows[value]


def list_entry_add(*, programme_list: ProgrammeList, name_nb: str, name_en: str):
    """Add an entry at the end of the list, in use. A flags list gives it the lowest bit no
    entry has; a list whose values the statistics count one by one takes none.

    Side effects: a ListEntry row for every entry of the list; the lists' cache is cleared."""
    from accounts.models import ListEntry

    if not programme_list.can_add:
        raise ListError(
            str(programme_list.no_add_reason or _("No entry can be added to this list."))
        )
    try:
        with transaction.atomic():
            rows = _list_rows(programme_list)
            taken = set(rows)
            value = next((1 << i for i in range(MAX_FLAGS) if 1 << i not in taken), None)
            if value is None:
                raise ListError(list_full_message())
            entry = ListEntry.objects.create(
                list_key=programme_list.key,
                value=str(value),
                name_nb=name_nb,
                name_en=name_en,
                position=max((row.position for row in rows.values()), default=-1) + 1,
            )
    except IntegrityError as error:  # someone added one at the same moment
        raise ListError(_("The list was changed at the same moment. Try again.")) from error
    forget_lists()
    return entry


def list_full_message() -> str:
    return _(
        "The list is full: it can hold %(count)s entries, deactivated ones included (old "
        "records still use them). Rename an entry nobody uses any more instead."
    ) % {"count": MAX_FLAGS}


def list_entry_rename(*, programme_list: ProgrammeList, value, name_nb: str, name_en: str) -> bool:
    """Give an entry new names; True if they changed. Old records show the new names too (the
    value they store is the same).

    Side effects: a ListEntry row for every entry of the list; the lists' cache is cleared."""
    with transaction.atomic():
        _rows, row = _list_entry_row(programme_list, value)
        if (row.name_nb, row.name_en) == (name_nb, name_en):
            return False
        row.name_nb, row.name_en = name_nb, name_en
        row.save(update_fields=["name_nb", "name_en", "changed_at"])
    forget_lists()
    return True


def list_entry_move(*, programme_list: ProgrammeList, value, up: bool) -> bool:
    """Move an entry one place up or down; False at the top or the bottom.

    Side effects: the list's positions are written 0, 1, 2, …; the lists' cache is cleared."""
    with transaction.atomic():
        rows, row = _list_entry_row(programme_list, value)
        order = list(rows.values())
        at = order.index(row)
        to = at - 1 if up else at + 1
        if not 0 <= to < len(order):
            return False
        order[at], order[to] = order[to], order[at]
        for position, moved in enumerate(order):
            if moved.position != position:
                moved.position = position
                moved.save(update_fields=["position", "changed_at"])
    forget_lists()
    return True


def list_entry_set_active(*, programme_list: ProgrammeList, value, active: bool) -> bool:
    """Deactivate an entry (forms no longer offer it for new input; records that have it keep
    it and show its name) or take it into use again; True if it changed.

    Side effects: a ListEntry row for every entry of the list; the lists' cache is cleared."""
    with transaction.atomic():
        _rows, row = _list_entry_row(programme_list, value)
        if row.active == active:
            return False
        if not active and value in programme_list.always_active:
            raise ListError(
                _(
                    "This entry cannot be deactivated: a rule of the matching depends on it. "
                    "You can rename it."
                )
            )
        offered = [
            r
            for r in _rows.values()
            if r.active and programme_list.to_value(r.value) not in programme_list.not_offered
        ]
        if not active and offered == [row]:
            raise ListError(_("The last entry in use cannot be deactivated."))
        row.active = active
        row.save(update_fields=["active", "changed_at"])
    forget_lists()
    return True


@transaction.atomic
def absence_add(*, user: User, starts_on, ends_on) -> Absence:
    """She marks herself away from `starts_on` to `ends_on` (both included).

    Side effects: creates the Absence; while it covers a day, the notices and reminders for her
    association's coordinators go to the others present (User.objects.active_coordinators_of).
    """
    if ends_on < starts_on:
        raise AccessError(_("The last day cannot be before the first day."))
    if ends_on < timezone.localdate():
        raise AccessError(_("The last day has passed already."))
    return Absence.objects.create(user=user, starts_on=starts_on, ends_on=ends_on)


@transaction.atomic
def absence_remove(*, absence: Absence) -> None:
    """She is back (or will not be away after all). Side effects: an absence that has begun
    ends yesterday (she is present from today); one still to come is deleted."""
    today = timezone.localdate()
    if absence.starts_on < today:
        absence.ends_on = min(absence.ends_on, today - timedelta(days=1))
        absence.save(update_fields=["ends_on"])
    else:
        absence.delete()
