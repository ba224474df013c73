"""Gathering pages (samlinger): the organisers' list, the form, a gathering with its sign-ups
and attendance; the volunteer's own gatherings with sign-up. Each view checks access, calls a
form or a service, and renders."""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import RoleRequest, role_required
from accounts.models import Role
from common.pagination import page_of
from courses import ics, services
from courses.forms import AttendanceForm, GatheringForm, GatheringSignUpForm, seats_too_few
from courses.models import SIGNED, Gathering, GatheringSignUp, SignUpStatus
from courses.services import CourseError, GatheringSeatsError
from courses.views import _absolute, _calendar_response, _own_volunteer, _when

ORGANISERS = (Role.NATIONAL_ADMIN, Role.COORDINATOR)


def _gathering_for(request: HttpRequest, public_id) -> Gathering:
    return get_object_or_404(Gathering.objects.for_user(request.user), public_id=public_id)


def _with_counts(gatherings):
    """Places taken and the waiting list per gathering, counted in the same query."""
    return gatherings.annotate(
        signed=Count("sign_ups", filter=Q(sign_ups__status__in=SIGNED)),
        waiting=Count("sign_ups", filter=Q(sign_ups__status=SignUpStatus.WAITING)),
        attended=Count("sign_ups", filter=Q(sign_ups__status=SignUpStatus.ATTENDED)),
    )


# --- Organisers (national admin, coordinator) ----------------------------------------------------


@login_required
@role_required(*ORGANISERS)
@require_safe
def gathering_list(request: RoleRequest) -> HttpResponse:
    """The gatherings she sees: upcoming first, then those held, newest first, a page at a time."""
    gatherings = _with_counts(Gathering.objects.for_user(request.user))
    now = timezone.now()
    past = page_of(request, gatherings.filter(starts_at__lte=now).order_by("-starts_at", "-pk"))
    upcoming = list(gatherings.filter(starts_at__gt=now).order_by("starts_at", "pk"))
    organised = set(
        Gathering.objects.organised_by(request.user)
        .filter(pk__in=[g.pk for g in [*upcoming, *past]])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "courses/gathering_list.html",
        {"upcoming": upcoming, "past": past, "organised": organised},
    )


@login_required
@role_required(*ORGANISERS)
@require_http_methods(["GET", "POST"])
def gathering_create(request: RoleRequest) -> HttpResponse:
    national_admin = request.membership.role == Role.NATIONAL_ADMIN
    form = GatheringForm(request.POST or None, national_admin=national_admin)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            gathering = services.gathering_create(
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                sign_up_by=data["sign_up_by"],
                capacity=data["capacity"],
                description=data["description"],
                national=bool(data.get("national")),
                associations=data.get("associations") or (),
                organiser=None if national_admin else request.membership.own_association,
                by=request.user,
            )
        except CourseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The gathering on %(date)s is published, and the volunteers are invited.")
                % _when(gathering),
            )
            return redirect("gathering_detail", public_id=gathering.public_id)
    return render(request, "courses/gathering_form.html", {"form": form})


def _sign_ups(request: HttpRequest, gathering: Gathering):
    return (
        GatheringSignUp.objects.for_user(request.user)
        .filter(gathering=gathering, status__in=SIGNED)
        .select_related("volunteer__association")
        .order_by("volunteer__first_name", "volunteer__last_name", "pk")
    )


def _candidates(request: RoleRequest, gathering: Gathering):
    """Her association's invited volunteers who have no place yet (a coordinator's only)."""
    if request.membership.role != Role.COORDINATOR:
        return None
    volunteer_model = apps.get_model("volunteers", "Volunteer")
    return (
        volunteer_model.objects.for_user(request.user)
        .gathering_guests()
        .exclude(
            pk__in=gathering.sign_ups.filter(status__in=(*SIGNED, SignUpStatus.WAITING)).values(
                "volunteer_id"
            ),
        )
        .order_by("first_name", "last_name", "pk")
    )


def _waiting(request: HttpRequest, gathering: Gathering):
    """The waiting list she may see, in the order seats are given."""
    return (
        GatheringSignUp.objects.for_user(request.user)
        .filter(gathering=gathering, status=SignUpStatus.WAITING)
        .select_related("volunteer__association")
        .order_by("queued_at", "pk")
    )


def _render_detail(request: RoleRequest, gathering: Gathering, sign_up_form=None):
    candidates = _candidates(request, gathering)
    if sign_up_form is None and candidates is not None and gathering.sign_up_open:
        sign_up_form = GatheringSignUpForm(volunteers=candidates)
    total = gathering.sign_ups.filter(status__in=SIGNED).count()
    organiser = Gathering.objects.organised_by(request.user).filter(pk=gathering.pk).exists()
    context = {
        "gathering": gathering,
        "sign_ups": list(_sign_ups(request, gathering)),
        "waiting": list(_waiting(request, gathering)),
        "can_change": organiser and not gathering.is_cancelled and not gathering.has_started,
        "total": total,
        "seats_free": None if gathering.capacity is None else max(0, gathering.capacity - total),
        "sign_up_form": sign_up_form if gathering.sign_up_open else None,
        "organiser": organiser,
        "associations": list(gathering.associations.order_by("name")),
        # A coordinator may give up the place of one of hers before it starts.
        "can_sign_off": candidates is not None
        and not gathering.has_started
        and not gathering.is_cancelled,
    }
    return render(request, "courses/gathering_detail.html", context)


@login_required
@role_required(*ORGANISERS)
@require_safe
def gathering_detail(request: RoleRequest, public_id) -> HttpResponse:
    """A gathering, those signed up whom she may see (a coordinator her association's, the
    organiser everyone), and a coordinator's form to sign one of hers up."""
    return _render_detail(request, _gathering_for(request, public_id))


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def gathering_sign_up_for(request: RoleRequest, public_id) -> HttpResponse:
    """Her coordinator signs a volunteer of her association up (she is told)."""
    gathering = _gathering_for(request, public_id)
    candidates = _candidates(request, gathering)
    form = GatheringSignUpForm(request.POST, volunteers=candidates)
    if form.is_valid():
        volunteer = form.cleaned_data["volunteer"]
        try:
            sign_up = services.gathering_sign_up(
                gathering=gathering, volunteer=volunteer, by=request.user
            )
        except CourseError as error:
            form.add_error("volunteer", str(error))
        else:
            if sign_up.status == SignUpStatus.WAITING:
                messages.success(
                    request,
                    _("The gathering is full: %(name)s is on the waiting list, number %(n)s.")
                    % {"name": volunteer.full_name, "n": services.waiting_position(sign_up)},
                )
            else:
                messages.success(
                    request, _("%(name)s is signed up.") % {"name": volunteer.full_name}
                )
            return redirect("gathering_detail", public_id=gathering.public_id)
    return _render_detail(request, gathering, sign_up_form=form)


@login_required
@role_required(*ORGANISERS)
@require_http_methods(["GET", "POST"])
def gathering_attendance(request: RoleRequest, public_id) -> HttpResponse:
    """Who came, ticked by the organiser once the gathering has started."""
    gathering = get_object_or_404(Gathering.objects.organised_by(request.user), public_id=public_id)
    if gathering.is_cancelled:
        messages.error(request, _("The gathering is cancelled."))
        return redirect("gathering_detail", public_id=gathering.public_id)
    # Those on the waiting list are listed too: ticking one who came gives her the seat.
    signed = (
        GatheringSignUp.objects.for_user(request.user)
        .filter(gathering=gathering, status__in=(*SIGNED, SignUpStatus.WAITING))
        .select_related("volunteer__association")
        .order_by("volunteer__first_name", "volunteer__last_name", "pk")
    )
    form = AttendanceForm(request.POST or None, seated=signed)
    if request.method == "POST" and form.is_valid():
        try:
            attended = services.gathering_attendance_record(
                gathering=gathering,
                sign_ups=list(signed),
                attended_ids={s.pk for s in form.cleaned_data["attended"]},
            )
        except CourseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Attendance is registered: %(attended)s of %(total)s attended.")
                % {"attended": attended, "total": len(signed)},
            )
            return redirect("gathering_detail", public_id=gathering.public_id)
    return render(
        request,
        "courses/gathering_attendance.html",
        {"gathering": gathering, "form": form, "has_signed": bool(signed)},
    )


def _organised(request: RoleRequest, public_id) -> Gathering:
    """A gathering she organises (a national admin the national ones, a coordinator her
    association's); 404 otherwise, as for one she cannot see."""
    return get_object_or_404(Gathering.objects.organised_by(request.user), public_id=public_id)


@login_required
@role_required(*ORGANISERS)
@require_http_methods(["GET", "POST"])
def gathering_update(request: RoleRequest, public_id) -> HttpResponse:
    """Change a published gathering; when the time or place changes, those signed up or waiting
    are told. Fewer seats than those signed up is refused next to the field."""
    gathering = _organised(request, public_id)
    if gathering.is_cancelled or gathering.has_started:
        messages.error(
            request, _("A gathering that is cancelled or has started cannot be changed.")
        )
        return redirect("gathering_detail", public_id=gathering.public_id)
    national_admin = request.membership.role == Role.NATIONAL_ADMIN
    signed = gathering.sign_ups.filter(status__in=SIGNED).count()
    form = GatheringForm(
        request.POST or None, national_admin=national_admin, gathering=gathering, signed=signed
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.gathering_update(
                gathering=gathering,
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                sign_up_by=data["sign_up_by"],
                capacity=data["capacity"],
                description=data["description"],
                national=bool(data.get("national")) if form.national_admin else None,
                associations=data.get("associations") if form.national_admin else None,
            )
        except GatheringSeatsError:
            # Someone signed up while she was typing: the count is read again.
            form.add_error(
                "capacity", seats_too_few(gathering.sign_ups.filter(status__in=SIGNED).count())
            )
        except CourseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The gathering is saved."))
            return redirect("gathering_detail", public_id=gathering.public_id)
    return render(request, "courses/gathering_form.html", {"form": form, "gathering": gathering})


@login_required
@role_required(*ORGANISERS)
@require_http_methods(["GET", "POST"])
def gathering_cancel(request: RoleRequest, public_id) -> HttpResponse:
    """Asks first (GET), cancels on POST; those signed up or waiting get a notification."""
    gathering = _organised(request, public_id)
    if request.method == "POST":
        try:
            services.gathering_cancel(gathering=gathering, by=request.user)
        except CourseError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The gathering on %(date)s is cancelled. Those signed up have been told.")
                % _when(gathering),
            )
        return redirect("gathering_detail", public_id=gathering.public_id)
    to_tell = gathering.sign_ups.filter(
        status__in=[SignUpStatus.SIGNED_UP, SignUpStatus.WAITING]
    ).count()
    return render(
        request,
        "courses/gathering_cancel.html",
        {
            "gathering": gathering,
            "to_tell": to_tell,
            "can_change": not gathering.is_cancelled and not gathering.has_started,
        },
    )


# --- Everyone who sees it ------------------------------------------------------------------------


@login_required
@role_required(Role.NATIONAL_ADMIN, Role.COORDINATOR, Role.VOLUNTEER)
@require_safe
def gathering_ics(request: RoleRequest, public_id) -> HttpResponse:
    """A gathering as a calendar file."""
    gathering = _gathering_for(request, public_id)
    if request.membership.role == Role.VOLUNTEER:
        _own_volunteer(request)
        link = _absolute(f"{reverse('my_gatherings')}#gathering-{gathering.public_id}")
    else:
        link = _absolute(reverse("gathering_detail", kwargs={"public_id": gathering.public_id}))
    local = timezone.localtime(gathering.starts_at)
    return _calendar_response(
        ics.gathering_ics(gathering, link=link), f"samling-{local:%Y-%m-%d}.ics"
    )


# --- The volunteer ---------------------------------------------------------------------------------


def _guest(request: HttpRequest):
    """The logged-in volunteer, when gatherings are for her (approved, with a login); else 404."""
    volunteer = _own_volunteer(request)
    if not volunteer.may_join_gatherings():
        raise Http404
    return volunteer


@login_required
@role_required(Role.VOLUNTEER)
@require_safe
def my_gatherings(request: RoleRequest) -> HttpResponse:
    """The gatherings she is invited to that are not held yet, with her place; those she
    attended."""
    volunteer = _guest(request)
    mine = {
        s.gathering_id: s
        for s in GatheringSignUp.objects.for_user(request.user).filter(volunteer=volunteer)
    }
    upcoming = list(
        _with_counts(Gathering.objects.for_user(request.user))
        .filter(starts_at__gt=timezone.now())
        .order_by("starts_at", "pk")
    )
    # Her number on each waiting list she is on, in one query: those ahead of her, plus one.
    queued = {s.gathering_id: s for s in mine.values() if s.status == SignUpStatus.WAITING}
    ahead: dict[int, int] = dict.fromkeys(queued, 1)
    for gathering_id, queued_at, pk in GatheringSignUp.objects.filter(
        gathering_id__in=list(queued), status=SignUpStatus.WAITING
    ).values_list("gathering_id", "queued_at", "pk"):
        own = queued[gathering_id]
        if (queued_at, pk) < (own.queued_at, own.pk):
            ahead[gathering_id] += 1
    for gathering in upcoming:
        gathering.mine = mine.get(gathering.pk)
        gathering.position = ahead.get(gathering.pk)
        gathering.full = gathering.capacity is not None and gathering.signed >= gathering.capacity
    attended = list(
        Gathering.objects.filter(
            pk__in=[pk for pk, s in mine.items() if s.status == SignUpStatus.ATTENDED]
        ).order_by("-starts_at")
    )
    return render(
        request,
        "courses/my_gatherings.html",
        {
            "upcoming": upcoming,
            "attended": attended,
            "signed_up": SignUpStatus.SIGNED_UP,
            "waiting": SignUpStatus.WAITING,
        },
    )


@login_required
@role_required(Role.VOLUNTEER)
@require_POST
def my_gathering_sign_up(request: RoleRequest, public_id) -> HttpResponse:
    volunteer = _guest(request)
    gathering = _gathering_for(request, public_id)
    try:
        sign_up = services.gathering_sign_up(
            gathering=gathering, volunteer=volunteer, by=request.user
        )
    except CourseError as error:
        messages.error(request, str(error))
    else:
        if sign_up.status == SignUpStatus.WAITING:
            messages.success(
                request,
                _("The gathering is full. You are on the waiting list, number %(n)s.")
                % {"n": services.waiting_position(sign_up)},
            )
        else:
            messages.success(
                request,
                _("You are signed up for the gathering on %(date)s at %(time)s.")
                % _when(gathering),
            )
    return redirect("my_gatherings")


@login_required
@role_required(Role.VOLUNTEER)
@require_POST
def my_gathering_sign_off(request: RoleRequest, public_id) -> HttpResponse:
    volunteer = _guest(request)
    gathering = _gathering_for(request, public_id)
    sign_up = get_object_or_404(
        GatheringSignUp.objects.for_user(request.user),
        gathering=gathering,
        volunteer=volunteer,
    )
    try:
        services.gathering_sign_off(sign_up=sign_up)
    except CourseError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("You are signed off the gathering on %(date)s.") % _when(gathering)
        )
    return redirect("my_gatherings")


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def gathering_sign_off_for(request: RoleRequest, public_id) -> HttpResponse:
    """Her coordinator gives up a volunteer's place on her behalf (a volunteer of hers only)."""
    sign_up = get_object_or_404(
        GatheringSignUp.objects.for_user(request.user).select_related("gathering", "volunteer"),
        public_id=public_id,
    )
    try:
        services.gathering_sign_off(sign_up=sign_up)
    except CourseError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(name)s is signed off.") % {"name": sign_up.volunteer.full_name}
        )
    return redirect("gathering_detail", public_id=sign_up.gathering.public_id)
