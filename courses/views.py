"""Course pages: the coordinator's sessions, enrolment and attendance; the volunteer's own
courses and calendar feed. Each view checks access, calls a form or a service, and renders."""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import RoleRequest, role_required
from accounts.models import Role
from common import searches
from common.pagination import PAGE_SIZE, page_of
from courses import ics, selectors, services
from courses.forms import AttendanceForm, EnrolForm, EnrolSearchForm, SessionForm
from courses.models import (
    SEATED,
    CalendarFeed,
    Course,
    Enrolment,
    EnrolmentStatus,
    Gathering,
    Session,
)
from courses.services import CourseError

PAST_SESSIONS_SHOWN = 20
# The coordinator's list shows this many upcoming sessions (the soonest); more are rarely planned.
UPCOMING_SHOWN = PAGE_SIZE
# A search for volunteers to sign up for a session shows at most this many.
SEARCH_RESULTS_SHOWN = 20
# How far back a calendar feed reaches; older sessions drop out of her calendar.
FEED_HISTORY = timedelta(days=365)


# --- Helpers ----------------------------------------------------------------------------------


def _session_for(request: HttpRequest, public_id) -> Session:
    return get_object_or_404(
        Session.objects.for_user(request.user).select_related("course"), public_id=public_id
    )


def _own_volunteer(request: HttpRequest):
    """The Volunteer the logged-in volunteer is; 404 when her login has none."""
    volunteer_model = apps.get_model("volunteers", "Volunteer")
    volunteer = volunteer_model.objects.for_user(request.user).first()
    if volunteer is None:
        raise Http404
    return volunteer


def _with_counts(sessions):
    """Seats taken, waiting list and attendance per session, counted in the same query."""
    return sessions.select_related("course").annotate(
        seated=Count("enrolments", filter=Q(enrolments__status__in=SEATED)),
        waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)),
        unregistered=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)),
        attended=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ATTENDED)),
    )


def _can_change(session: Session) -> bool:
    return not session.is_cancelled and not session.has_started


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _volunteer_link(session: Session) -> str:
    """Where a volunteer finds the session: her own course page."""
    return _absolute(f"{reverse('my_courses')}#session-{session.public_id}")


def _when(event: Session | Gathering) -> dict:
    """The day and time an event starts, for a message (a course session, a gathering)."""
    local = timezone.localtime(event.starts_at)
    return {
        "date": formats.date_format(local, "SHORT_DATE_FORMAT"),
        "time": formats.time_format(local, "TIME_FORMAT"),
    }


def _names(volunteers) -> str:
    return ", ".join(volunteer.full_name for volunteer in volunteers)


def _calendar_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Coordinator ------------------------------------------------------------------------------


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def course_list(request: RoleRequest) -> HttpResponse:
    """The association's upcoming sessions and the catalogue first; the held sessions below,
    newest first, a page at a time (`?side=2` shows only them)."""
    sessions = _with_counts(Session.objects.for_user(request.user).held_here())
    past = page_of(
        request,
        sessions.filter(ends_at__lt=timezone.now(), cancelled_at__isnull=True).order_by(
            "-starts_at", "-pk"
        ),
    )
    context: dict = {"past": past}
    if past.number == 1:
        # One more than shown tells whether there are more, without counting them.
        upcoming = list(sessions.upcoming().order_by("starts_at", "pk")[: UPCOMING_SHOWN + 1])
        context.update(
            {
                "courses": Course.objects.filter(is_active=True),
                "upcoming": upcoming[:UPCOMING_SHOWN],
                "more_upcoming": len(upcoming) > UPCOMING_SHOWN,
            }
        )
    return render(request, "courses/course_list.html", context)


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def session_create(request: RoleRequest) -> HttpResponse:
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                association=request.membership.own_association,
                course=data["course"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                capacity=data["capacity"],
                notes=data["notes"],
                by=request.user,
            )
        except CourseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The course session on %(date)s is created. Volunteers can now be signed up.")
                % _when(session),
            )
            return redirect("session_detail", public_id=session.public_id)
    return render(request, "courses/session_form.html", {"form": form, "session": None})


def _enrol_search(request: HttpRequest, session: Session, search_id: str | None) -> dict:
    """The search for volunteers to sign up, as the address names it (`?sok=<id>`, the text in
    her session: common.searches): the form, the volunteers found and whether there are more."""
    if not search_id:
        return {"search_form": EnrolSearchForm(), "search_id": ""}
    text = searches.search_text(request, search_id)
    if text is None:
        form = EnrolSearchForm({})  # bound, so that the message stands at the field
        form.errors["q"] = form.error_class([_("This search has expired. Please search again.")])
        return {"search_form": form, "search_id": ""}
    form = EnrolSearchForm({"q": text})
    if not form.is_valid():
        return {"search_form": form, "search_id": ""}
    candidates, more = selectors.enrol_candidates(
        request.user, session, form.cleaned_data["q"], limit=SEARCH_RESULTS_SHOWN
    )
    return {
        "search_form": form,
        "search_id": search_id,
        "searched": True,
        "candidates": candidates,
        "more": more,
    }


def _render_detail(
    request: HttpRequest,
    session: Session,
    *,
    search_id: str | None = None,
    search_form: EnrolSearchForm | None = None,
    enrol_form: EnrolForm | None = None,
) -> HttpResponse:
    enrolments = (
        Enrolment.objects.for_user(request.user).filter(session=session).select_related("volunteer")
    )
    # In the order they signed up, a page at a time: a held basic course can seat hundreds.
    seated = page_of(request, enrolments.filter(status__in=SEATED))
    waiting = list(enrolments.filter(status=EnrolmentStatus.WAITING).order_by("queued_at", "pk"))
    can_change = _can_change(session)
    context = {
        "session": session,
        "seated": seated,
        "seated_count": seated.paginator.count,
        "waiting": waiting,
        "seats_free": max(0, session.capacity - seated.paginator.count),
        "can_change": can_change,
        "search_results_shown": SEARCH_RESULTS_SHOWN,
    }
    if can_change:
        if search_form is not None:  # a search sent with a mistake: shown at its field
            search: dict = {"search_form": search_form, "search_id": ""}
        else:
            search = _enrol_search(request, session, search_id)
        candidates = search.get("candidates", [])
        if enrol_form is None:
            enrol_form = EnrolForm(user=request.user, candidates=candidates)
        else:
            enrol_form.offer(candidates)
        context.update(search, enrol_form=enrol_form)
    return render(request, "courses/session_detail.html", context)


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def session_detail(request: RoleRequest, public_id) -> HttpResponse:
    """A session with its seats and waiting list, and the search for volunteers to sign up.
    The search posts its text, which is kept in the session (common.searches): the address
    carries only the search's id, never a name, an email address or a phone number."""
    session = _session_for(request, public_id)
    if request.method == "POST":
        form = EnrolSearchForm(request.POST)
        if not _can_change(session):
            return redirect("session_detail", public_id=session.public_id)
        if form.is_valid():
            search_id = searches.search_keep(request, form.cleaned_data["q"])
            address = reverse("session_detail", kwargs={"public_id": session.public_id})
            return redirect(f"{address}?{urlencode({searches.PARAM: search_id})}#sign-up")
        return _render_detail(request, session, search_form=form)
    return _render_detail(request, session, search_id=request.GET.get(searches.PARAM))


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def session_enrol(request: RoleRequest, public_id) -> HttpResponse:
    """Signs up the volunteers ticked among those a search found, and shows the search again
    (without them) for the next one."""
    session = _session_for(request, public_id)
    search_id = request.POST.get(searches.PARAM) or None
    form = EnrolForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_detail(request, session, search_id=search_id, enrol_form=form)
    try:
        result = services.enrol(
            session=session, volunteers=form.cleaned_data["volunteers"], by=request.user
        )
    except CourseError as error:
        messages.error(request, str(error))
    else:
        if result.enrolled:
            messages.success(
                request,
                ngettext(
                    "%(count)s volunteer got a seat: %(names)s.",
                    "%(count)s volunteers got a seat: %(names)s.",
                    len(result.enrolled),
                )
                % {"count": len(result.enrolled), "names": _names(result.enrolled)},
            )
        if result.waiting:
            messages.warning(
                request,
                ngettext(
                    "The session is full. %(count)s volunteer is on the waiting list: %(names)s.",
                    "The session is full. %(count)s volunteers are on the waiting list: %(names)s.",
                    len(result.waiting),
                )
                % {"count": len(result.waiting), "names": _names(result.waiting)},
            )
        for volunteer, reason in result.skipped:
            messages.warning(
                request,
                _("%(name)s was not signed up. %(reason)s")
                % {"name": volunteer.full_name, "reason": reason},
            )
    address = reverse("session_detail", kwargs={"public_id": session.public_id})
    if search_id and searches.search_text(request, search_id) is not None:
        address = f"{address}?{urlencode({searches.PARAM: search_id})}"
    return redirect(address)


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def session_update(request: RoleRequest, public_id) -> HttpResponse:
    session = _session_for(request, public_id)
    if not _can_change(session):
        messages.error(request, _("A session that is cancelled or has started cannot be changed."))
        return redirect("session_detail", public_id=session.public_id)
    form = SessionForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_update(
                session=session,
                course=data["course"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                capacity=data["capacity"],
                notes=data["notes"],
            )
        except CourseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The course session is saved."))
            return redirect("session_detail", public_id=session.public_id)
    return render(request, "courses/session_form.html", {"form": form, "session": session})


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def session_cancel(request: RoleRequest, public_id) -> HttpResponse:
    """Asks first (GET), cancels on POST; those signed up or waiting get a notification."""
    session = _session_for(request, public_id)
    if request.method == "POST":
        try:
            services.session_cancel(session=session)
        except CourseError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The course session on %(date)s is cancelled. Those signed up have been told.")
                % _when(session),
            )
        return redirect("session_detail", public_id=session.public_id)
    to_tell = session.enrolments.filter(
        status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING]
    ).count()
    return render(
        request,
        "courses/session_cancel.html",
        {"session": session, "to_tell": to_tell, "can_change": _can_change(session)},
    )


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def session_attendance(request: RoleRequest, public_id) -> HttpResponse:
    """Everyone with a seat, ticked if she came, and the search for someone who came without
    one (a walk-in, session_walk_in). Only once the session has started."""
    return _attendance_page(request, _session_for(request, public_id))


def _attendance_page(request: HttpRequest, session: Session, walk_in_form=None) -> HttpResponse:
    seated = (
        Enrolment.objects.for_user(request.user)
        .filter(session=session)
        .seated()
        # A seat of someone whose data is erased is history that nobody changes any more.
        .filter(volunteer__erased_at__isnull=True)
        .select_related("volunteer")
        .order_by("volunteer__first_name", "volunteer__last_name", "id")
    )
    is_post = request.method == "POST" and walk_in_form is None
    form = AttendanceForm(request.POST if is_post else None, seated=seated)
    if is_post and form.is_valid():
        try:
            attended = services.attendance_record(
                session=session, attended_ids={e.pk for e in form.cleaned_data["attended"]}
            )
        except CourseError as error:
            messages.error(request, str(error))
            return redirect("session_attendance", public_id=session.public_id)
        total = len(seated)  # recording attendance keeps every seat
        messages.success(
            request,
            _("Attendance is registered: %(attended)s of %(total)s attended.")
            % {"attended": attended, "total": total},
        )
        return redirect("session_detail", public_id=session.public_id)
    registered = any(e.status != EnrolmentStatus.ENROLLED for e in seated)
    context = {
        "session": session,
        "form": form,
        "has_seated": bool(seated),
        "registered": registered,
        "can_add_walk_in": session.has_started and not session.is_cancelled,
    }
    if context["can_add_walk_in"]:
        context.update(
            _walk_in_search(request, session, request.GET.get(searches.PARAM), walk_in_form)
        )
    return render(request, "courses/session_attendance.html", context)


def _walk_in_search(
    request: HttpRequest, session: Session, search_id: str | None, form=None
) -> dict:
    """The search for someone who came without a seat, as the address names it (`?sok=<id>`,
    as the sign-up search on the session's page)."""
    if form is not None:  # sent with a mistake: shown at its field
        return {"walk_in_form": form}
    if not search_id:
        return {"walk_in_form": EnrolSearchForm(prefix="walk_in")}
    text = searches.search_text(request, search_id)
    if text is None:
        form = EnrolSearchForm({}, prefix="walk_in")
        form.errors["q"] = form.error_class([_("This search has expired. Please search again.")])
        return {"walk_in_form": form}
    form = EnrolSearchForm({"walk_in-q": text}, prefix="walk_in")
    if not form.is_valid():
        return {"walk_in_form": form}
    candidates, more = selectors.enrol_candidates(
        request.user, session, text, limit=SEARCH_RESULTS_SHOWN, walk_in=True
    )
    return {
        "walk_in_form": form,
        "walk_in_search_id": search_id,
        "walk_in_candidates": candidates,
        "walk_in_more": more,
        "search_results_shown": SEARCH_RESULTS_SHOWN,
    }


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def session_walk_in(request: RoleRequest, public_id) -> HttpResponse:
    """Someone came without a seat: a search for her (`walk_in-q`, kept out of the address),
    or the volunteer found (`volunteer`), registered as attended at once."""
    session = _session_for(request, public_id)
    address = reverse("session_attendance", kwargs={"public_id": session.public_id})
    if "volunteer" not in request.POST:
        form = EnrolSearchForm(request.POST, prefix="walk_in")
        if form.is_valid():
            search_id = searches.search_keep(request, form.cleaned_data["q"])
            return redirect(f"{address}?{urlencode({searches.PARAM: search_id})}#walk-in")
        return _attendance_page(request, session, walk_in_form=form)
    volunteer_model = apps.get_model("volunteers", "Volunteer")
    try:
        volunteer = volunteer_model.objects.for_user(request.user).get(
            public_id=request.POST["volunteer"]
        )
    except (volunteer_model.DoesNotExist, ValidationError):
        raise Http404 from None
    try:
        services.attendance_add_walk_in(session=session, volunteer=volunteer)
    except CourseError as error:
        messages.error(
            request,
            _("%(name)s was not added. %(reason)s")
            % {
                "name": volunteer.full_name,
                "reason": str(error),
            },
        )
    else:
        messages.success(
            request,
            _("%(name)s is registered as attended, though she had no seat.")
            % {"name": volunteer.full_name},
        )
    return redirect(f"{address}#walk-in")


# --- Coordinator or the volunteer herself ---------------------------------------------------


@login_required
@role_required(Role.COORDINATOR, Role.VOLUNTEER)
@require_POST
def enrolment_cancel(request: RoleRequest, public_id) -> HttpResponse:
    """Sign off: a coordinator for anyone of her association, a volunteer for herself."""
    enrolment = get_object_or_404(
        Enrolment.objects.for_user(request.user).select_related("session", "volunteer"),
        public_id=public_id,
    )
    is_coordinator = request.membership.role == Role.COORDINATOR
    try:
        services.sign_off(enrolment=enrolment)
    except CourseError as error:
        messages.error(request, str(error))
    else:
        if is_coordinator:
            messages.success(
                request,
                _("%(name)s is signed off the session.") % {"name": enrolment.volunteer.full_name},
            )
        else:
            messages.success(
                request,
                _("You are signed off the course session on %(date)s.") % _when(enrolment.session),
            )
    if is_coordinator:
        return redirect("session_detail", public_id=enrolment.session.public_id)
    return redirect("my_courses")


@login_required
@role_required(Role.COORDINATOR, Role.VOLUNTEER)
@require_safe
def session_ics(request: RoleRequest, public_id) -> HttpResponse:
    """One session as a calendar file."""
    session = _session_for(request, public_id)
    if request.membership.role == Role.COORDINATOR:
        link = _absolute(reverse("session_detail", kwargs={"public_id": session.public_id}))
    else:
        link = _volunteer_link(session)
    local = timezone.localtime(session.starts_at)
    return _calendar_response(
        ics.session_ics(session, link=link), f"kurssamling-{local:%Y-%m-%d}.ics"
    )


# --- Volunteer --------------------------------------------------------------------------------


@login_required
@role_required(Role.VOLUNTEER)
@require_safe
def my_courses(request: RoleRequest) -> HttpResponse:
    """Her sessions; the courses she still needs, with their sessions; the other sessions she
    can sign up for (never of a course she has completed); what she has completed, with the
    date; her calendar link."""
    volunteer = _own_volunteer(request)
    now = timezone.now()
    # Her place in the line: those who joined the waiting list before her, plus one.
    ahead = (
        Enrolment.objects.filter(session=OuterRef("session"), status=EnrolmentStatus.WAITING)
        .filter(
            Q(queued_at__lt=OuterRef("queued_at"))
            | Q(queued_at=OuterRef("queued_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    mine = list(
        Enrolment.objects.for_user(request.user)
        .filter(volunteer=volunteer)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("session__course")
        .annotate(ahead=Coalesce(Subquery(ahead), 0))
        .order_by("session__starts_at")
    )
    for enrolment in mine:
        enrolment.can_sign_off = enrolment.status in (
            EnrolmentStatus.ENROLLED,
            EnrolmentStatus.WAITING,
        ) and _can_change(enrolment.session)
    upcoming = [e for e in mine if e.session.ends_at >= now]
    # What she has completed is shown as done and not offered again; what she still needs to
    # be matched comes first, then the other offers.
    done = [course for course in selectors.completions(volunteer) if course.is_completed_once]
    done_ids = {course.pk for course in done}
    open_sessions = list(
        _with_counts(Session.objects.for_user(request.user).upcoming())
        .filter(starts_at__gt=now)
        .exclude(pk__in=[e.session_id for e in mine])
        .exclude(course_id__in=done_ids)
        .annotate(free=F("capacity") - F("seated"))
    )
    signed_up = {
        e.session.course_id
        for e in upcoming
        if e.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)
        and not e.session.is_cancelled
    }
    needed_courses = [c for c in selectors.required_courses() if c.pk not in done_ids]
    needed_ids = {course.pk for course in needed_courses}
    needed = [
        {
            "course": course,
            "signed_up": course.pk in signed_up,
            "sessions": [s for s in open_sessions if s.course_id == course.pk],
        }
        for course in needed_courses
    ]
    feed = services.calendar_feed_get_or_create(volunteer=volunteer)
    feed_url = _absolute(reverse("calendar_feed", kwargs={"token": feed.token}))
    context = {
        "volunteer": volunteer,
        "upcoming": upcoming,
        "done": done,
        "needed": needed,
        "past": [
            e
            for e in reversed(mine)
            if e.session.ends_at < now and e.status != EnrolmentStatus.WAITING
        ][:PAST_SESSIONS_SHOWN],
        "open_sessions": [s for s in open_sessions if s.course_id not in needed_ids],
        "can_sign_up": volunteer.can_be_enrolled(self_service=True),
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
    }
    return render(request, "courses/my_courses.html", context)


@login_required
@role_required(Role.VOLUNTEER)
@require_POST
def my_session_sign_up(request: RoleRequest, public_id) -> HttpResponse:
    volunteer = _own_volunteer(request)
    session = _session_for(request, public_id)
    if not volunteer.can_be_enrolled(self_service=True):
        messages.error(
            request, _("At this stage your coordinator signs you up for course sessions.")
        )
        return redirect("my_courses")
    try:
        result = services.enrol(session=session, volunteers=[volunteer], self_service=True)
    except CourseError as error:
        messages.error(request, str(error))
    else:
        if result.enrolled:
            messages.success(
                request,
                _("You have a seat on the course session on %(date)s at %(time)s.")
                % _when(session),
            )
        elif result.waiting:
            messages.warning(
                request,
                _(
                    "The session is full, so you are on the waiting list. You will be told if a seat becomes free."
                ),
            )
        else:
            messages.info(request, _("You are already signed up for this session."))
    return redirect("my_courses")


@login_required
@role_required(Role.VOLUNTEER)
@require_POST
def calendar_feed_renew(request: RoleRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    services.calendar_feed_renew(volunteer=volunteer)
    messages.success(
        request,
        _(
            "You have a new calendar link. The old one no longer works: add the new link to your calendar."
        ),
    )
    return redirect(f"{reverse('my_courses')}#calendar")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Her sessions for a calendar app to subscribe to. No login: the secret token is the key."""
    feed = CalendarFeed.objects.select_related("volunteer").filter(token=token).first()
    # A volunteer who has left the programme (or was never let in) has no live feed.
    if feed is None or not feed.volunteer.can_be_enrolled(self_service=False):
        raise Http404
    enrolments = (
        Enrolment.objects.filter(
            volunteer=feed.volunteer,
            session__ends_at__gte=timezone.now() - FEED_HISTORY,
            session__recorded_at_import=False,  # not an event: her course before the import
        )
        .exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("session")
        .order_by("session__starts_at")
    )
    response = _calendar_response(
        ics.sessions_feed(enrolments, link=_volunteer_link), "ressursvenner.ics"
    )
    response["Content-Disposition"] = 'inline; filename="ressursvenner.ics"'
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
