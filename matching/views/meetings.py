"""Meeting logs from the volunteer's phone, concerns, follow-up conversations, and the
emergency page."""

from typing import cast

from crispy_forms.utils import render_crispy_form
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import RoleRequest, role_required
from accounts.audit import log_access
from accounts.models import Role
from matching import selectors, services
from matching.forms import ConcernFollowUpForm, FollowUpForm, MeetingForm, RescheduleForm
from matching.models import RELATIONSHIP_ASKED_AT, RUNNING, Concern, FollowUp, Match, Meeting


def _running_matches(request: HttpRequest) -> list[Match]:
    return list(
        Match.objects.for_user(request.user)
        .filter(status__in=RUNNING)
        .select_related("referral")
        .order_by("started_on")
    )


@login_required
@role_required(Role.VOLUNTEER)
@require_http_methods(["GET", "POST"])
def meeting_log(request: RoleRequest) -> HttpResponse:
    """Log a meeting (the volunteer, on her phone). With several matches she picks which."""
    matches = _running_matches(request)
    if not matches:
        return render(request, "matching/meeting_form.html", {"matches": [], "form": None})
    chosen = matches[0]
    wanted = request.POST.get("match") or request.GET.get("kobling")
    if wanted:
        found = next((m for m in matches if str(m.public_id) == wanted), None)
        if found is None:
            return render(request, "errors/404.html", status=404)
        chosen = found
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_log(
                match=chosen,
                by=request.user,
                day=data["day"],
                met=data["met"],
                minutes=data["minutes"],
                activities=data["activities"],
                note=data["note"],
                concern=data["concern"],
            )
        except services.MatchingError as error:
            form.add_error("day", str(error))
        else:
            if data["concern"].strip():
                messages.success(
                    request,
                    _(
                        "Thank you. The meeting is logged, and your coordinator has been told of your concern."
                    ),
                )
            else:
                messages.success(request, _("Thank you. The meeting is logged."))
            return redirect("my_meetings")
    return render(
        request, "matching/meeting_form.html", {"matches": matches, "chosen": chosen, "form": form}
    )


@login_required
@role_required(Role.VOLUNTEER)
@require_safe
def my_meetings(request: RoleRequest) -> HttpResponse:
    return render(
        request, "matching/my_meetings.html", {"meetings": selectors.my_meetings(request.user)}
    )


@login_required
@role_required(Role.VOLUNTEER)
@require_http_methods(["GET", "POST"])
def meeting_edit(request: RoleRequest, public_id) -> HttpResponse:
    meeting = get_object_or_404(
        Meeting.objects.for_user(request.user).select_related("match__referral"),
        public_id=public_id,
    )
    if meeting.is_locked or meeting.created_by_id != request.user.pk:
        messages.error(request, services.meeting_locked_message())
        return redirect("my_meetings")
    form = MeetingForm(request.POST or None, initial=MeetingForm.initial_from(meeting))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting=meeting,
                by=request.user,
                day=data["day"],
                met=data["met"],
                minutes=data["minutes"],
                activities=data["activities"],
                note=data["note"],
            )
        except services.MatchingError as error:
            form.add_error("day", str(error))
        else:
            messages.success(request, _("The meeting is changed."))
            return redirect("my_meetings")
    return render(
        request,
        "matching/meeting_form.html",
        {"form": form, "meeting": meeting, "matches": [meeting.match], "chosen": meeting.match},
    )


@login_required
@role_required(Role.VOLUNTEER, switch=True)
@require_safe
def emergency(request: RoleRequest) -> HttpResponse:
    """Where to turn now: 112, the shelter that referred her woman, her coordinators."""
    shelters = selectors.shelters_for_volunteer(request.user)
    coordinators = selectors.coordinators_for_volunteer(
        request.user, request.membership.own_association.pk
    )
    return render(
        request, "matching/emergency.html", {"shelters": shelters, "coordinators": coordinators}
    )


# --- The coordinator ----------------------------------------------------------------------------


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def concern_detail(request: RoleRequest, public_id) -> HttpResponse:
    concern = get_object_or_404(
        Concern.objects.for_user(request.user).select_related(
            "match__referral__shelter", "match__volunteer", "meeting", "followed_up_by", "raised_by"
        ),
        public_id=public_id,
    )
    log_access(
        request,
        action="view",
        object_type="concern",
        object_id=concern.public_id,
        association_id=concern.match.referral.association_id,
    )
    form = ConcernFollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.concern_follow_up(
                concern=concern, by=request.user, note=form.cleaned_data["note"]
            )
        except services.MatchingError as error:
            form.add_error("note", str(error))
        else:
            messages.success(request, _("The concern is marked as followed up."))
            return redirect(concern.match.get_absolute_url())
    return render(
        request,
        "matching/concern.html",
        {"concern": concern, "form": form, "alerts": selectors.concern_alerts(concern)},
    )


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def follow_up_action(request: RoleRequest, public_id, action: str) -> HttpResponse:
    follow_up = get_object_or_404(
        FollowUp.objects.for_user(request.user).select_related("match"), public_id=public_id
    )
    form = (
        FollowUpForm(
            request.POST,
            prefix=f"f{follow_up.pk}",
            ask=follow_up.kind in RELATIONSHIP_ASKED_AT,
        )
        if action == "record"
        else RescheduleForm(request.POST, prefix=f"r{follow_up.pk}")
    )
    if action == "record" and not form.is_valid():
        # The match page again, this conversation's form with what was typed and the message
        # next to the field; nothing is saved.
        return _match_page_with_record_form(request, follow_up, cast(FollowUpForm, form))
    if form.is_valid():
        try:
            if action == "record":
                services.follow_up_record(
                    follow_up=follow_up,
                    by=request.user,
                    **cast(FollowUpForm, form).record_data(),
                )
                messages.success(request, _("The follow-up conversation is recorded."))
            else:
                services.follow_up_reschedule(
                    follow_up=follow_up, due_on=form.cleaned_data["due_on"]
                )
                messages.success(request, _("The follow-up conversation is moved."))
        except services.MatchingError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(f"{follow_up.match.get_absolute_url()}#follow-ups")


def _match_page_with_record_form(
    request: RoleRequest, follow_up: FollowUp, form: FollowUpForm
) -> HttpResponse:
    from matching.views.matches import _match, _match_context

    match = _match(request, follow_up.match.public_id)
    context = _match_context(match, user=request.user)
    context["follow_ups"] = [
        (f, render_crispy_form(form), move) if f.pk == follow_up.pk else (f, record, move)
        for f, record, move in context["follow_ups"]
    ]
    context["open_follow_up"] = follow_up.pk
    return render(request, "matching/match_detail.html", context, status=400)


# A follow-up's two forms (record it, move it) are written by crispy once for all the follow-ups
# of a match page, with a placeholder for the prefix (as a formset's empty form) and one for the
# date it is due, then filled in for each: through crispy a form costs a millisecond or two, and
# a match has up to six follow-ups (two forms each).
FORM_PREFIX = "__prefix__"
FORM_DUE_ON = "__due_on__"


def follow_up_forms(follow_ups: list[FollowUp], today) -> list[tuple[FollowUp, str, str]]:
    """Each follow-up with the HTML of its forms: FollowUpForm (prefix f<id>, held today) and
    RescheduleForm (prefix r<id>, its due date), unbound, as `{% crispy %}` writes them."""
    if not follow_ups:
        return []
    record = render_crispy_form(FollowUpForm(prefix=FORM_PREFIX, initial={"on": today}))
    asking = render_crispy_form(FollowUpForm(prefix=FORM_PREFIX, initial={"on": today}, ask=True))
    move = render_crispy_form(RescheduleForm(prefix=FORM_PREFIX, initial={"due_on": FORM_DUE_ON}))
    return [
        (
            f,
            mark_safe(  # noqa: S308 - ours: f<id>
                (asking if f.kind in RELATIONSHIP_ASKED_AT else record).replace(
                    FORM_PREFIX, f"f{f.pk}"
                )
            ),
            mark_safe(  # noqa: S308 - ours: r<id> and an ISO date
                move.replace(FORM_PREFIX, f"r{f.pk}").replace(FORM_DUE_ON, f.due_on.isoformat())
            ),
        )
        for f in follow_ups
    ]


def match_activity(match: Match) -> dict:
    """What the match page shows of meetings: the list, meetings per month, days since the
    last; its concerns and follow-up conversations; whether it has gone quiet (from
    `is_inactive` when the match was read with it, see matches._match)."""
    meetings = list(match.meetings.all().order_by("-date"))
    per_month: dict[str, int] = {}
    for meeting in meetings:
        if meeting.met:
            key = meeting.date.strftime("%Y-%m")
            per_month[key] = per_month.get(key, 0) + 1
    last = max((m.date for m in meetings), default=None)
    today = timezone.localdate()
    inactive = getattr(match, "is_inactive", None)
    if inactive is None:
        inactive = selectors.inactive_matches(
            Match.objects.filter(pk=match.pk), days=selectors.INACTIVE_MATCH_DAYS
        ).exists()
    return {
        "meetings": meetings,
        "meetings_per_month": sorted(per_month.items(), reverse=True),
        "days_since_last": (today - last).days if last else None,
        "concerns": list(match.concerns.select_related("followed_up_by").order_by("-raised_at")),
        "follow_ups": follow_up_forms(
            list(match.follow_ups.select_related("done_by").order_by("due_on")), today
        ),
        "inactive": inactive,
        "inactive_days": selectors.INACTIVE_MATCH_DAYS,
    }
