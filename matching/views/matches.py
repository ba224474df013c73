from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import RoleRequest, role_required
from accounts.audit import log_access
from accounts.models import Role, User
from common.pagination import page_of
from courses import ics
from matching import selectors, services
from matching.forms import (
    ActivateForm,
    CancelForm,
    ConflictCheckForm,
    EndForm,
    FirstMeetingForm,
    LaterOutcomeForm,
    ListFilterForm,
    ReopenForm,
)
from matching.models import (
    CancelReason,
    Match,
    MatchStatus,
)

# --- Matches -----------------------------------------------------------------------------------


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def match_list(request: RoleRequest) -> HttpResponse:
    """Every open match by stage (the first rows of each, with a link to its own list), or one
    filtered list (`?vis=`, the start page's cards link here), a page at a time (`?side=`); an
    unknown filter shows the default."""
    form = ListFilterForm(request.GET, lists=selectors.MatchList)
    context: dict[str, Any] = {
        "tabs": form.tabs(),
        "show": form.show,
        # The rules' numbers, for the texts that state them.
        "inactive_days": selectors.INACTIVE_MATCH_DAYS,
        "ending_days": selectors.MATCH_ENDING_DAYS,
        "ending_title": selectors.MatchList.ENDING.label,
        "starting_title": selectors.MatchList.STARTING.label,
        "running_title": selectors.MatchList.RUNNING.label,
    }
    if form.show:
        context["page"] = page_of(request, selectors.match_list(request.user, show=form.show))
        context["title"] = selectors.MatchList(form.show).label
        # Ended and cancelled: how each ended, instead of meetings and follow-ups.
        context["finished"] = form.show == selectors.MatchList.CLOSED
    else:
        context.update(selectors.match_overview(request.user))
    return render(request, "matching/match_list.html", context)


def _match(request: HttpRequest, public_id) -> Match:
    """The match with its referral and volunteer, and `is_inactive` (by THE definition,
    selectors.inactive_matches) read with it. (After a step that was refused or not valid the
    page is shown again from the same reading: nothing changed.)"""
    quiet = selectors.inactive_matches(
        Match.objects.filter(pk=OuterRef("pk")), days=selectors.INACTIVE_MATCH_DAYS
    )
    return get_object_or_404(
        Match.objects.for_user(request.user)
        .select_related(
            "referral__shelter",
            "referral__municipality",
            "volunteer__municipality",
            "proposed_by",
            "conflict_check_recorded_by",
            "shorter_confirmed_by",
        )
        .annotate(is_inactive=Exists(quiet)),
        public_id=public_id,
    )


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def match_detail(request: RoleRequest, public_id) -> HttpResponse:
    match = _match(request, public_id)
    log_access(
        request,
        action="view",
        object_type="match",
        object_id=match.public_id,
        association_id=match.referral.association_id,
    )
    return render(request, "matching/match_detail.html", _match_context(match, user=request.user))


def _match_context(match: Match, user=None, **forms) -> dict:
    today = timezone.localdate()
    meeting = match.first_meeting_at and timezone.localtime(match.first_meeting_at)
    from matching.views.meetings import match_activity

    return {
        **match_activity(match),
        "match": match,
        "events": match.events.select_related("by"),
        "meeting_form": forms.get("meeting_form")
        or FirstMeetingForm(
            initial={
                "day": meeting.date() if meeting else None,
                "time": meeting.strftime("%H:%M") if meeting else None,
                "place": match.first_meeting_place or match.referral.shelter.name,
            }
        ),
        "activate_form": forms.get("activate_form")
        or ActivateForm(
            initial={"started_on": meeting.date() if meeting and meeting.date() <= today else today}
        ),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        # Reopening is offered from the match whose closure said a new match is right for her.
        "can_reopen": match.status == MatchStatus.ENDED
        and match.new_match_for_woman is True
        and services.reopen_refusal(match.referral) is None,
        "ended_early": services.match_ended_early(match),
        # Six months later: the form from LATER_OUTCOME_DAYS after the end until her data is erased.
        "can_record_later": match.status == MatchStatus.ENDED
        and services.later_outcome_refusal(match) is None,
        "later_form": forms.get("later_form")
        or LaterOutcomeForm(initial={"later_moved_back": match.later_moved_back or None}),
        "conflict_check_form": forms.get("conflict_check_form")
        or ConflictCheckForm(initial={"on": today}),
        "error": forms.get("error"),
        # How the pair is doing, for the match's coordinators only (RelationshipAnswer.for_user).
        "relationship": selectors.relationship_trend(match, user) if user else None,
    }


def _plan_first_meeting(match: Match, form: FirstMeetingForm, by: User) -> None:
    services.match_plan_first_meeting(
        match=match, at=form.at(), place=form.cleaned_data["place"], by=by
    )


def _activate(match: Match, form: ActivateForm, by: User) -> None:
    services.match_activate(match=match, started_on=form.cleaned_data["started_on"], by=by)


def _pause(match: Match, form: None, by: User) -> None:
    services.match_pause(match=match, by=by)


def _resume(match: Match, form: None, by: User) -> None:
    services.match_resume(match=match, by=by)


def _record_conflict_check(match: Match, form: ConflictCheckForm, by: User) -> None:
    services.match_record_conflict_check(
        match=match, on=form.cleaned_data["on"], how=form.cleaned_data["how"], by=by
    )


def _cancel(match: Match, form: CancelForm, by: User) -> None:
    services.match_cancel(match=match, reason=form.cleaned_data["reason"], by=by)


def _record_later(match: Match, form: LaterOutcomeForm, by: User) -> None:
    services.match_later_outcome(match=match, by=by, **form.cleaned_data)


def _reopen(match: Match, form: ReopenForm, by: User) -> None:
    services.referral_reopen(referral=match.referral, by=by, **form.cleaned_data)


@dataclass(frozen=True)
class MatchAction:
    """A step the coordinator takes on a match from its page.

    `perform(match, form, by)` calls its service (`form` is None when the step is a bare
    button); `form`, when there is one, is validated first and shown again under `form_name`
    on the match page when it is not valid; `done` is what she is told when it went through;
    then she sees the match again, or the referral when `to_referral`.
    """

    perform: Callable[[Match, Any, User], None]  # its form's class, or None
    form: type[forms.Form] | None = None
    form_name: str = ""
    done: Promise | str = ""
    to_referral: bool = False


# The steps by the name in their URL: adding one is an entry here (and its form on the page).
MATCH_ACTIONS = {
    "conflict-check": MatchAction(
        _record_conflict_check,
        form=ConflictCheckForm,
        form_name="conflict_check_form",
        done=gettext_lazy("Her conflict check is recorded. You can now plan the first meeting."),
    ),
    "first-meeting": MatchAction(
        _plan_first_meeting,
        form=FirstMeetingForm,
        form_name="meeting_form",
        done=gettext_lazy(
            "The first meeting is planned. The shelter can now see the volunteer's first name and phone."
        ),
    ),
    "activate": MatchAction(
        _activate,
        form=ActivateForm,
        form_name="activate_form",
        done=gettext_lazy("The match is active. Their year has started."),
    ),
    "pause": MatchAction(_pause),
    "resume": MatchAction(_resume),
    "cancel": MatchAction(
        _cancel,
        form=CancelForm,
        form_name="cancel_form",
        done=gettext_lazy(
            "The proposal is cancelled. The referral is waiting for a volunteer again."
        ),
        to_referral=True,
    ),
    # Ending has its own page, which asks first: match_end.
    "later": MatchAction(
        _record_later,
        form=LaterOutcomeForm,
        form_name="later_form",
        done=gettext_lazy("The outcome six months later is recorded. Thank you."),
    ),
    "reopen": MatchAction(
        _reopen,
        form=ReopenForm,
        form_name="reopen_form",
        done=gettext_lazy(
            "The referral is open again, with her new consent recorded. It waits for a new volunteer."
        ),
        to_referral=True,
    ),
}


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def match_action(request: RoleRequest, public_id, action: str) -> HttpResponse:
    """The coordinator moves a match along: one of MATCH_ACTIONS (plan the first meeting,
    activate, pause, resume, cancel, or reopen her referral after the end), each one service. A form that is not valid, or a
    refusal of the service, is shown on the match page, and nothing changes; an unknown
    action only leads back to the match."""
    match = _match(request, public_id)
    step = MATCH_ACTIONS.get(action)
    if step is None:
        return redirect(match.get_absolute_url())
    shown: dict = {}
    form = step.form(request.POST) if step.form else None
    if form is not None:
        shown[step.form_name] = form
    if form is None or form.is_valid():
        try:
            step.perform(match, form, request.user)
        except services.MatchingError as error:
            shown["error"] = str(error)
        else:
            if step.done:
                messages.success(request, str(step.done))
            target = match.referral if step.to_referral else match
            return redirect(target.get_absolute_url())
    match.refresh_from_db()
    return render(
        request, "matching/match_detail.html", _match_context(match, user=request.user, **shown)
    )


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "HEAD", "POST"])
def match_end(request: RoleRequest, public_id) -> HttpResponse:
    """Ending a match asks first: the page (GET) says what ending does and takes how it ended
    and the outcome; it ends on POST. A form that is not valid, or a refusal, is shown again
    on this page with what she chose, and nothing changes."""
    match = _match(request, public_id)
    error = None
    if request.method == "POST":
        form = EndForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.match_end(
                    match=match, ended_on=data.pop("ended_on"), by=request.user, **data
                )
            except services.MatchingError as refused:
                error = str(refused)
            else:
                match.refresh_from_db()
                done = _("The match is ended and the outcome recorded. Thank you.")
                if match.ended_on and services.match_ended_early(match):
                    done += " " + _(
                        "It ended before its planned year: the follow-up conversations not yet "
                        "held are cancelled, and the closing conversation is moved to %(date)s."
                    ) % {"date": date_format(match.ended_on, "SHORT_DATE_FORMAT")}
                messages.success(request, done)
                return redirect(match.get_absolute_url())
        match.refresh_from_db()
    else:
        form = None
    return render(
        request,
        "matching/match_end.html",
        {
            "match": match,
            "can_end": match.is_running,
            "end_form": form or EndForm(initial={"ended_on": timezone.localdate()}),
            "error": error,
        },
    )


# --- The volunteer -----------------------------------------------------------------------------


@login_required
@role_required(Role.VOLUNTEER)
@require_safe
def my_match(request: RoleRequest) -> HttpResponse:
    """Her match as her home: for each open match a card with what to do next, whom to call,
    a big "Log a meeting" and "I am worried"."""
    return render(
        request, "matching/my_match.html", {"matches": selectors.my_open_matches(request.user)}
    )


@login_required
@role_required(Role.VOLUNTEER)
@require_safe
def my_first_meeting_ics(request: RoleRequest, public_id) -> HttpResponse:
    """Her first meeting with the woman as a calendar file: the time and a link, no place."""
    match = get_object_or_404(
        Match.objects.for_user(request.user).filter(
            status=MatchStatus.FIRST_MEETING_PLANNED, first_meeting_at__isnull=False
        ),
        public_id=public_id,
    )
    content = ics.first_meeting_ics(match, link=request.build_absolute_uri(reverse("my_match")))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="forste-mote.ics"'
    return response


@login_required
@role_required(Role.VOLUNTEER)
@require_POST
def my_match_answer(request: RoleRequest, public_id) -> HttpResponse:
    """Her answer to a proposal: she knows neither of them (confirm), or she declines."""
    match = get_object_or_404(Match.objects.for_user(request.user), public_id=public_id)
    try:
        if request.POST.get("answer") == "confirm":
            services.match_confirm_conflict_check(match=match, by=request.user)
            messages.success(
                request, _("Thank you. Your coordinator will plan the first meeting with you.")
            )
        elif request.POST.get("answer") == "decline":
            services.match_cancel(
                match=match, reason=CancelReason.VOLUNTEER_DECLINED, by=request.user
            )
            messages.success(
                request,
                _(
                    "Thank you for telling us. Your coordinator will find another volunteer for her."
                ),
            )
    except services.MatchingError as error:
        messages.error(request, str(error))
    return redirect(match.get_volunteer_url())
