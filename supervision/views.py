"""Supervision group pages: the coordinator's groups and the expectation, a group with its
members and sessions, planning a session, recording attendance, and a session's calendar file.
Each view checks access, calls a form or a service, and renders."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import RoleRequest, role_required
from accounts.models import Role
from supervision import ics, selectors, services
from supervision.forms import AttendanceForm, ExpectationForm, GroupForm, GroupSessionForm
from supervision.models import GroupSession, SupervisionGroup, expected_weeks
from supervision.services import SupervisionError


def _group_for(request: RoleRequest, public_id) -> SupervisionGroup:
    return get_object_or_404(SupervisionGroup.objects.for_user(request.user), public_id=public_id)


def _session_for(request: RoleRequest, public_id) -> GroupSession:
    return get_object_or_404(
        GroupSession.objects.for_user(request.user).select_related("group"), public_id=public_id
    )


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def group_list(request: RoleRequest) -> HttpResponse:
    """The association's groups, and how often it expects supervision."""
    association_id = request.membership.association_id
    weeks = expected_weeks(association_id)
    return render(
        request,
        "supervision/group_list.html",
        {
            "groups": selectors.groups_for(request.user),
            "every_weeks": weeks,
            "expectation_form": ExpectationForm(initial={"every_weeks": weeks}),
        },
    )


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def expectation_edit(request: RoleRequest) -> HttpResponse:
    form = ExpectationForm(request.POST)
    if form.is_valid():
        try:
            services.expectation_set(
                association=request.membership.association,
                every_weeks=form.cleaned_data["every_weeks"],
            )
        except SupervisionError as error:
            form.add_error("every_weeks", str(error))
        else:
            messages.success(request, _("The expectation is saved."))
            return redirect("group_list")
    return render(
        request,
        "supervision/group_list.html",
        {
            "groups": selectors.groups_for(request.user),
            "every_weeks": expected_weeks(request.membership.association_id),
            "expectation_form": form,
        },
        status=400,
    )


def _group_form_page(request: RoleRequest, group: SupervisionGroup | None) -> HttpResponse:
    association_id = request.membership.association_id
    initial = None
    if group is not None:
        initial = {
            "name": group.name,
            "leader": group.leader,
            "members": list(group.members.all()),
        }
    form = GroupForm(request.POST or None, association_id=association_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_save(
                association=request.membership.association,
                name=form.cleaned_data["name"],
                leader=form.cleaned_data["leader"],
                members=form.cleaned_data["members"],
                group=group,
            )
        except SupervisionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The group is saved."))
            return redirect("group_detail", public_id=group.public_id)
    return render(request, "supervision/group_form.html", {"form": form, "group": group})


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def group_create(request: RoleRequest) -> HttpResponse:
    return _group_form_page(request, None)


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def group_edit(request: RoleRequest, public_id) -> HttpResponse:
    return _group_form_page(request, _group_for(request, public_id))


@login_required
@role_required(Role.COORDINATOR, Role.GROUP_LEADER)
@require_http_methods(["GET", "POST"])
def group_detail(request: RoleRequest, public_id) -> HttpResponse:
    """The group: its leader, its members with their last supervision, its sessions, and the
    form to plan the next one."""
    group = _group_for(request, public_id)
    form = GroupSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.group_session_create(
                group=group,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                place=form.cleaned_data["place"],
                by=request.user,
            )
        except SupervisionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, pgettext("supervision", "The session is planned."))
            if session.has_started:
                return redirect("group_session_attendance", public_id=session.public_id)
            return redirect("group_detail", public_id=group.public_id)
    return render(
        request,
        "supervision/group_detail.html",
        {
            "group": group,
            "members": selectors.members_with_last_supervision(group),
            "sessions": selectors.sessions_of(group),
            "session_form": form,
            "now": timezone.now(),
            "is_coordinator": request.membership.role == Role.COORDINATOR,
        },
    )


@login_required
@role_required(Role.COORDINATOR, Role.GROUP_LEADER)
@require_http_methods(["GET", "POST"])
def group_session_attendance(request: RoleRequest, public_id) -> HttpResponse:
    """Tick the members who came. Only once the session has started."""
    session = _session_for(request, public_id)
    members = session.group.members.filter(erased_at__isnull=True).order_by(
        "first_name", "last_name", "id"
    )
    attended_now = list(session.attendance.values_list("volunteer__public_id", flat=True))
    form = AttendanceForm(request.POST or None, members=members, initial={"attended": attended_now})
    if request.method == "POST" and form.is_valid():
        try:
            count = services.attendance_record(
                session=session, attended=form.cleaned_data["attended"]
            )
        except SupervisionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Attendance is recorded: %(attended)s of %(total)s attended.")
                % {"attended": count, "total": len(members)},
            )
            return redirect("group_detail", public_id=session.group.public_id)
    return render(
        request,
        "supervision/session_attendance.html",
        {
            "session": session,
            "form": form,
            "has_members": bool(members),
            "is_coordinator": request.membership.role == Role.COORDINATOR,
        },
        status=400 if form.errors else 200,
    )


@login_required
@role_required(Role.COORDINATOR, Role.GROUP_LEADER, Role.VOLUNTEER)
@require_safe
def group_session_ics(request: RoleRequest, public_id) -> HttpResponse:
    """A session as a calendar file: for the coordinator, the group leader and its members."""
    session = _session_for(request, public_id)
    if request.membership.role == Role.VOLUNTEER:
        link = settings.SITE_URL + reverse("my_page")
    else:
        link = settings.SITE_URL + reverse(
            "group_detail", kwargs={"public_id": session.group.public_id}
        )
    local = timezone.localtime(session.starts_at)
    response = HttpResponse(
        ics.group_session_ics(session, link=link), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="veiledning-{local:%Y-%m-%d}.ics"'
    return response


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def supervision_due_list(request: RoleRequest) -> HttpResponse:
    """The volunteers with an open match who are due for supervision (the start page's card)."""
    return render(
        request,
        "supervision/due_list.html",
        {
            "volunteers": selectors.due_for(request.user),
            "every_weeks": expected_weeks(request.membership.association_id),
        },
    )
