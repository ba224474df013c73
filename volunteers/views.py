import uuid
from typing import cast

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import RoleRequest, role_required
from accounts.audit import log_access
from accounts.models import Municipality, Role
from common import searches
from common.downloads import json_download
from common.pagination import page_of
from courses.models import Session
from courses.selectors import sessions_to_offer
from courses.services import CourseError, enrol
from volunteers import certificate, hooks, importing, selectors, services, sheet
from volunteers.exports import volunteer_export as volunteer_data_export
from volunteers.forms import (
    SCREENING_FORMS,
    ApplicationForm,
    CommitmentEndForm,
    DeclarationPublishForm,
    DeclarationSignForm,
    ProfileForm,
    RouteForm,
    TransitionForm,
    VolunteerFilterForm,
    VolunteerImportConfirmForm,
    VolunteerImportForm,
    WellbeingCheckForm,
)
from volunteers.models import (
    ACTIVE,
    TRANSITIONS,
    CommitmentPause,
    ConfidentialityDeclaration,
    Status,
    Volunteer,
    VolunteerAction,
    VolunteerImport,
    WellbeingCheck,
    WellbeingOccasion,
)

# --- The public application --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """The public application page. Never tells whether an email is already known."""
    form = ApplicationForm(request.POST or None)
    if request.method == "POST":
        # Counted per visitor's address (ACCOUNT_RATE_LIMITS["application"]), as allauth
        # counts failed logins: the same address behind the reverse proxy, the same counter.
        if not ratelimit.consume(request, action="application"):
            messages.error(
                request,
                _(
                    "Many applications have been sent from here in a short time. Please try again in an hour."
                ),
            )
        elif form.is_spam:
            return redirect("application_received")  # a robot: looks the same, stores nothing
        elif form.is_valid():
            data = form.cleaned_data
            services.application_submit(
                data=data, languages=data["languages"], language=get_language()
            )
            return redirect("application_received")
    municipalities = Municipality.objects.select_related("county").order_by("name")
    return render(
        request,
        "volunteers/apply.html",
        {
            "form": form,
            "municipalities": municipalities,
            "minimum_age": settings.VOLUNTEER_MINIMUM_AGE,
        },
    )


def application_received(request: HttpRequest) -> HttpResponse:
    return render(request, "volunteers/application_received.html")


# --- Coordinators: applicants and volunteers ---------------------------------------------------


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def volunteer_list(request: RoleRequest) -> HttpResponse:
    """Her association's applicants and volunteers. The search box posts its text, which is
    kept in the session (common.searches): the address carries only the codes of the
    filters and the search's id, never a name, an email address or a phone number."""
    association = request.membership.own_association
    if request.method == "POST":
        form = VolunteerFilterForm(request.POST, association=association)
        if form.is_valid():
            return redirect(_volunteer_list_address(request, form))
        expired = False
    else:
        data = request.GET.copy()
        search_id = data.pop(searches.PARAM, [None])[-1]
        data.pop("q", None)  # an old bookmark's text is not searched (nor shown)
        text = searches.search_text(request, search_id) if search_id else ""
        expired = text is None
        if text:
            data["q"] = text
        form = VolunteerFilterForm(data if data or expired else None, association=association)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if expired:
        form.add_error("q", _("This search has expired. Please search again."))
    page = page_of(request, selectors.volunteer_list(request.user, filters=filters))
    return render(
        request,
        "volunteers/volunteer_list.html",
        {"form": form, "page": page, "today": timezone.localdate()},
    )


def _volunteer_list_address(request: HttpRequest, form: VolunteerFilterForm) -> str:
    """The list's address for a submitted filter form: the codes as they were sent, and the
    search text replaced by the id it is kept under."""
    query = [
        (name, value)
        for name in form.fields
        if name != "q"
        for value in cast(QueryDict, form.data).getlist(name)  # the posted form
        if value
    ]
    if form.cleaned_data["q"]:
        query.append((searches.PARAM, searches.search_keep(request, form.cleaned_data["q"])))
    address = reverse("volunteer_list")
    return f"{address}?{urlencode(query)}" if query else address


# Her latest wellbeing answers on the volunteer page.
WELLBEING_CHECKS_SHOWN = 5


def _detail(request: HttpRequest, volunteer: Volunteer, **bound_forms) -> HttpResponse:
    forms = {
        name: form_class(prefix=name, initial=_screening_initial(name, volunteer))
        for name, form_class in SCREENING_FORMS.items()
    }
    forms.update(bound_forms.pop("screening", {}))
    context = {
        "volunteer": volunteer,
        # What may be done with her (nothing once she is erased), from the one rule.
        "can": {action.value: volunteer.refusal(action) is None for action in VolunteerAction},
        "refusal": volunteer.refusal(VolunteerAction.CHANGE_STATUS),
        # An active one without a login (imported from a spreadsheet) can be invited to log in.
        "can_invite_to_log_in": volunteer.status in ACTIVE
        and volunteer.user_id is None
        and volunteer.refusal(VolunteerAction.INVITE) is None,
        "screening_forms": forms,
        "missing": services.approval_missing(volunteer)
        if volunteer.status == Status.COURSE
        else [],
        "screening_missing": services.screening_missing(volunteer),
        "transitions": [
            Status(s) for s in sorted(TRANSITIONS[volunteer.status]) if s != Status.APPROVED
        ],
        "can_approve": volunteer.status == Status.COURSE,
        "can_enrol": volunteer.can_be_enrolled(self_service=False),
        "current_declaration": ConfidentialityDeclaration.current(),
        "open_commitment": next((c for c in volunteer.commitments.all() if c.is_open), None),
        "end_form": bound_forms.pop("end_form", None)
        or CommitmentEndForm(initial={"on": timezone.localdate()}),
        "transition_error": bound_forms.pop("transition_error", None),
        "matches": hooks.matches_shown(request.user, volunteer),
        "hours": selectors.recent_hours(volunteer),
        # Her latest wellbeing answers (one query): the coordinator's small section.
        "wellbeing_checks": list(
            WellbeingCheck.objects.for_user(request.user).filter(volunteer=volunteer)[
                :WELLBEING_CHECKS_SHOWN
            ]
        ),
    }
    context["next_step"] = selectors.next_step(
        volunteer, screening_missing=context["screening_missing"], matches=context["matches"]
    )
    if context["next_step"] is not None and context["next_step"].transition:
        # The next step is the primary button; the same change is not offered twice.
        context["transitions"] = [
            s for s in context["transitions"] if s != context["next_step"].transition
        ]
    return render(request, "volunteers/volunteer_detail.html", context)


def _screening_initial(name: str, volunteer: Volunteer) -> dict:
    today = timezone.localdate()
    return {
        "interview": {"on": volunteer.interview_on or today, "note": volunteer.interview_note},
        "references": {
            "first_on": volunteer.first_reference_checked_on,
            "second_on": volunteer.second_reference_checked_on,
        },
        "confidentiality": {
            "on": volunteer.confidentiality_signed_on or today,
            "version": ConfidentialityDeclaration.current(),
        },
        "police": {"on": volunteer.police_certificate_seen_on or today},
    }[name]


@login_required
@role_required(Role.COORDINATOR)
def volunteer_detail(request: RoleRequest, public_id) -> HttpResponse:
    volunteer = selectors.volunteer_detail(request.user, public_id)
    log_access(
        request,
        action="view",
        object_type="volunteer",
        object_id=volunteer.public_id,
        association_id=volunteer.association_id,
    )
    return _detail(request, volunteer)


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def screening_record(request: RoleRequest, public_id, step: str) -> HttpResponse:
    volunteer = selectors.volunteer_detail(request.user, public_id)
    if step not in SCREENING_FORMS:
        return redirect("volunteer_detail", public_id=public_id)
    form = SCREENING_FORMS[step](request.POST, prefix=step)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if step == "interview":
                services.screening_record_interview(
                    volunteer=volunteer, on=data["on"], by=request.user, note=data["note"]
                )
            elif step == "references":
                services.screening_record_references(
                    volunteer=volunteer, first_on=data["first_on"], second_on=data["second_on"]
                )
            elif step == "confidentiality":
                services.screening_record_confidentiality(
                    volunteer=volunteer, on=data["on"], version=data["version"]
                )
            else:
                services.screening_record_police_certificate(
                    volunteer=volunteer, on=data["on"], by=request.user
                )
        except services.VolunteerError as error:
            if volunteer.refusal(VolunteerAction.SCREEN):  # the forms are not shown to her
                messages.error(request, str(error))
                return redirect(volunteer.get_absolute_url())
            form.add_error("on" if "on" in form.fields else None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{volunteer.get_absolute_url()}#screening")
    return _detail(request, volunteer, screening={step: form})


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def volunteer_transition(request: RoleRequest, public_id) -> HttpResponse:
    volunteer = selectors.volunteer_detail(request.user, public_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what should happen."))
        return redirect(volunteer.get_absolute_url())
    was = volunteer.status
    try:
        services.volunteer_transition(
            volunteer=volunteer, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"]
        )
    except services.VolunteerError as error:
        return _detail(request, volunteer, transition_error=str(error))
    done = _("The status is now «%(status)s».") % {"status": Status(form.cleaned_data["to"]).label}
    if was == Status.PAUSED and volunteer.status == Status.APPROVED:
        pause = (
            CommitmentPause.objects.filter(period__volunteer=volunteer, ends_on_after__isnull=False)
            .order_by("-resumed_on", "-pk")
            .first()
        )
        if (
            pause is not None
            and pause.ends_on_after is not None
            and pause.resumed_on == timezone.localdate()
        ):
            done += " " + ngettext(
                "Her year is moved by %(days)s paused day: it now ends %(date)s.",
                "Her year is moved by %(days)s paused days: it now ends %(date)s.",
                pause.days or 0,
            ) % {
                "days": pause.days,
                "date": date_format(pause.ends_on_after, "SHORT_DATE_FORMAT"),
            }
    messages.success(request, done)
    return redirect(volunteer.get_absolute_url())


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def volunteer_approve(request: RoleRequest, public_id) -> HttpResponse:
    """Asks first (GET: what approving sets off, or what is still missing), approves on POST."""
    volunteer = selectors.volunteer_detail(request.user, public_id)
    if request.method == "GET":
        refusal = volunteer.refusal(VolunteerAction.APPROVE)
        return render(
            request,
            "volunteers/volunteer_approve.html",
            {
                "volunteer": volunteer,
                "refusal": refusal,
                "at_course_stage": volunteer.status == Status.COURSE,
                "missing": services.approval_missing(volunteer) if not refusal else [],
            },
        )
    try:
        services.volunteer_approve(volunteer=volunteer, by=request.user, acting=request.membership)
    except services.VolunteerError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "%(name)s is approved. She has been sent an invitation to make her login, and her year has started."
            )
            % {"name": volunteer.first_name},
        )
    return redirect(volunteer.get_absolute_url())


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def volunteer_sessions(request: RoleRequest, public_id) -> HttpResponse:
    """The course sessions she can take (courses.selectors.sessions_to_offer), each with a
    button that signs her up in one step."""
    volunteer = selectors.volunteer_detail(request.user, public_id)
    refusal = volunteer.refusal(VolunteerAction.ENROL)
    if refusal is None and not volunteer.can_be_enrolled(self_service=False):
        refusal = _("She can be signed up for course sessions once her screening has started.")
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return redirect(volunteer.get_absolute_url())
        try:
            session_id = uuid.UUID(request.POST.get("session", ""))
        except ValueError:
            messages.error(request, _("Choose a course session."))
            return redirect("volunteer_sessions", public_id=volunteer.public_id)
        session = get_object_or_404(Session.objects.for_user(request.user), public_id=session_id)
        try:
            result = enrol(session=session, volunteers=[volunteer], by=request.user)
        except CourseError as error:
            messages.error(request, str(error))
            return redirect("volunteer_sessions", public_id=volunteer.public_id)
        when = {"course": session.course.title, "date": _date(session.starts_at)}
        if result.enrolled:
            messages.success(
                request,
                _("%(name)s has a seat on %(course)s on %(date)s.")
                % {"name": volunteer.first_name, **when},
            )
        elif result.waiting:
            messages.warning(
                request,
                _("The session is full, so %(name)s is on its waiting list.")
                % {"name": volunteer.first_name},
            )
        else:
            for _volunteer, reason in result.skipped:
                messages.warning(request, reason)
        return redirect(f"{volunteer.get_absolute_url()}#courses")
    sessions, needed = ([], False) if refusal else sessions_to_offer(request.user, volunteer)
    return render(
        request,
        "volunteers/volunteer_sessions.html",
        {"volunteer": volunteer, "refusal": refusal, "sessions": sessions, "needed": needed},
    )


def _date(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def commitment_renew(request: RoleRequest, public_id) -> HttpResponse:
    volunteer = selectors.volunteer_detail(request.user, public_id)
    try:
        period = services.commitment_renew(volunteer=volunteer)
    except services.VolunteerError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Renewed until %(date)s.") % {"date": period.ends_on.strftime("%d.%m.%Y")}
        )
    return redirect(f"{volunteer.get_absolute_url()}#commitment")


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def commitment_end(request: RoleRequest, public_id) -> HttpResponse:
    volunteer = selectors.volunteer_detail(request.user, public_id)
    period = get_object_or_404(volunteer.commitments.open())
    form = CommitmentEndForm(request.POST)
    if form.is_valid():
        try:
            services.commitment_end(period=period, **form.cleaned_data)
        except services.VolunteerError as error:
            form.add_error("on", str(error))
        else:
            messages.success(request, _("The commitment period is ended."))
            return redirect(f"{volunteer.get_absolute_url()}#commitment")
    return _detail(request, volunteer, end_form=form)


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def volunteer_log_out_everywhere(request: RoleRequest, public_id) -> HttpResponse:
    """Her phone was lost or shared: end every session of her login at once."""
    volunteer = selectors.volunteer_detail(request.user, public_id)
    try:
        services.volunteer_log_out_everywhere(volunteer=volunteer)
    except services.VolunteerError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(name)s is logged out on every device.") % {"name": volunteer.first_name}
        )
    return redirect(volunteer.get_absolute_url())


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def volunteer_invite_to_log_in(request: RoleRequest, public_id) -> HttpResponse:
    """An approved volunteer without a login (imported from a spreadsheet): invite her."""
    volunteer = selectors.volunteer_detail(request.user, public_id)
    try:
        services.volunteer_invite_to_log_in(
            volunteer=volunteer, by=request.user, acting=request.membership
        )
    except services.VolunteerError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The invitation to log in has been sent."))
    return redirect(volunteer.get_absolute_url())


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def volunteer_reset_two_step(request: RoleRequest, public_id) -> HttpResponse:
    """She lost her phone and her recovery codes: she sets up two-step login again."""
    volunteer = selectors.volunteer_detail(request.user, public_id)
    refusal = volunteer.refusal(VolunteerAction.RESET_TWO_STEP)
    if refusal is None and request.POST.get("confirmed") != "yes":
        messages.error(
            request, _("Confirm that you have spoken with her yourself before you reset it.")
        )
        return redirect(volunteer.get_absolute_url())
    try:
        services.volunteer_reset_two_step(volunteer=volunteer)
    except services.VolunteerError as error:
        messages.error(request, str(error))
        return redirect(volunteer.get_absolute_url())
    log_access(
        request,
        action="reset",
        object_type="volunteer",
        object_id=volunteer.public_id,
        association_id=volunteer.association_id,
    )
    messages.success(
        request,
        _("Her two-step login is reset. She sets it up again the next time she logs in."),
    )
    return redirect(volunteer.get_absolute_url())


@login_required
@role_required(Role.COORDINATOR)
def confidentiality_overview(request: RoleRequest) -> HttpResponse:
    current, volunteers = selectors.unsigned_current_declaration(
        request.membership.own_association.pk
    )
    return render(
        request,
        "volunteers/confidentiality.html",
        {"current": current, "page": page_of(request, volunteers)},
    )


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_http_methods(["GET", "POST"])
def declaration_publish(request: RoleRequest) -> HttpResponse:
    """NKS sentralt: the current confidentiality declaration, how many active volunteers have
    not signed it (a count, nationally: no names), and a new version to publish."""
    form = DeclarationPublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.declaration_publish(text=form.cleaned_data["text"])
        except services.VolunteerError as error:
            form.add_error("text", str(error))
        else:
            messages.success(
                request,
                _(
                    "Version %(version)s is published. Every active ressursvenn must sign it by %(date)s."
                )
                % {"version": declaration.version, "date": _day(declaration.sign_by)},
            )
            return redirect("declaration_publish")
    current = ConfidentialityDeclaration.current()
    unsigned = selectors.unsigned_count(current)
    return render(
        request,
        "volunteers/declaration_publish.html",
        {
            "current": current,
            "unsigned": unsigned,
            "form": form,
            "sign_days": settings.CONFIDENTIALITY_SIGN_DAYS,
        },
    )


def _day(day) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


# --- National admins: applications from outside every area -----------------------------------


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_http_methods(["GET", "POST"])
def outside_area(request: RoleRequest) -> HttpResponse:
    """One page of the applications, each with a box to choose it, and one list of the
    associations to send the chosen one to (not a list per application: there are hundreds)."""
    applications = (
        Volunteer.objects.for_user(request.user)
        .select_related("municipality__county", "association")
        .order_by("applied_at", "pk")
    )
    if request.method == "POST" and not request.POST.get("volunteer"):
        messages.error(request, _("Choose the application to send."))
        return redirect(request.get_full_path())
    if request.method == "POST":
        try:
            public_id = uuid.UUID(request.POST["volunteer"])
        except ValueError:
            raise Http404 from None
        volunteer = get_object_or_404(applications, public_id=public_id)
        form = RouteForm(request.POST)
        if form.is_valid():
            try:
                services.volunteer_route(
                    volunteer=volunteer, association=form.cleaned_data["association"]
                )
            except services.VolunteerError as error:
                messages.error(request, str(error))
                return redirect("volunteer_outside_area")
            messages.success(
                request,
                _("The application was sent to %(association)s.")
                % {"association": form.cleaned_data["association"]},
            )
            return redirect("volunteer_outside_area")
        messages.error(request, _("Choose a local association."))
    return render(
        request,
        "volunteers/outside_area.html",
        {"page": page_of(request, applications), "route_form": RouteForm()},
    )


# --- The volunteer's own pages ------------------------------------------------------------------


def _own_volunteer(request: HttpRequest) -> Volunteer:
    return get_object_or_404(
        Volunteer.objects.for_user(request.user).select_related("association", "municipality")
    )


@login_required
@role_required(Role.VOLUNTEER)
@require_http_methods(["GET", "POST"])
def my_profile(request: RoleRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    initial = {
        "phone": volunteer.phone,
        "languages": volunteer.language_codes,
        "strengths": volunteer.strengths,
        "availability": volunteer.availability,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_update_profile(volunteer=volunteer, **form.cleaned_data)
        except services.VolunteerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("my_profile")
    current = ConfidentialityDeclaration.current()
    return render(
        request,
        "volunteers/my_profile.html",
        {
            "form": form,
            "volunteer": volunteer,
            "current_declaration": current,
            "declaration_signed": current is not None
            and volunteer.confidentiality_version_id == current.pk,
            "hours": selectors.recent_hours(volunteer),
        },
    )


@login_required
@role_required(Role.VOLUNTEER)
@require_http_methods(["GET", "POST"])
def my_confidentiality(request: RoleRequest) -> HttpResponse:
    """The current confidentiality declaration, to read and sign; or when she signed it."""
    volunteer = _own_volunteer(request)
    current = ConfidentialityDeclaration.current()
    form = DeclarationSignForm(
        request.POST or None, initial={"version": current.version if current else None}
    )
    if request.method == "POST" and current is not None and form.is_valid():
        version = ConfidentialityDeclaration.objects.filter(
            version=form.cleaned_data["version"]
        ).first()
        try:
            if version is None:
                raise services.VolunteerError(_("Choose the version you have read."))
            services.confidentiality_sign(volunteer=volunteer, version=version)
        except services.VolunteerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you. Your signature is recorded."))
            return redirect("my_confidentiality")
    return render(
        request,
        "volunteers/my_confidentiality.html",
        {
            "volunteer": volunteer,
            "current": current,
            "signed": current is not None and volunteer.confidentiality_version_id == current.pk,
            "form": form,
        },
    )


# --- Data requests -----------------------------------------------------------------------------


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def volunteer_data(request: RoleRequest, public_id) -> HttpResponse:
    """Everything stored about her (innsyn), as a page or as JSON (?format=json)."""
    volunteer = selectors.volunteer_detail(request.user, public_id)
    log_access(
        request,
        action="export",
        object_type="volunteer",
        object_id=volunteer.public_id,
        association_id=volunteer.association_id,
    )
    data = volunteer_data_export(volunteer)
    if request.GET.get("format") == "json":
        return json_download(data, "ressursvenn.json")
    return render(request, "volunteers/volunteer_data.html", {"volunteer": volunteer, "data": data})


def _certificate_download(
    request: HttpRequest, volunteer: Volunteer, language: str, refused_to: str
) -> HttpResponse:
    """Her certificate as a PDF download, logged as an export; or back with why not."""
    if reason := certificate.refusal(volunteer):
        messages.error(request, reason)
        return redirect(refused_to)
    if language not in certificate.languages():
        language = get_language()
    log_access(
        request,
        action="export",
        object_type="volunteer",
        object_id=volunteer.public_id,
        association_id=volunteer.association_id,
    )
    pdf = certificate.render_pdf(certificate.certificate_for(volunteer), language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.FILENAME}"'
    return response


def _her_language(volunteer: Volunteer) -> str:
    return volunteer.user.language if volunteer.user else volunteer.language


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def volunteer_certificate(request: RoleRequest, public_id) -> HttpResponse:
    """Her volunteer certificate, issued by her coordinator: in her language, or in the one
    asked for (?sprak=en)."""
    volunteer = selectors.volunteer_detail(request.user, public_id)
    return _certificate_download(
        request,
        volunteer,
        request.GET.get("sprak") or _her_language(volunteer),
        volunteer.get_absolute_url(),
    )


@login_required
@role_required(Role.VOLUNTEER)
@require_safe
def my_certificate(request: RoleRequest) -> HttpResponse:
    """Her own volunteer certificate, in the page's language."""
    volunteer = _own_volunteer(request)
    return _certificate_download(
        request, volunteer, request.GET.get("sprak") or get_language(), reverse("my_profile")
    )


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def volunteer_erase(request: RoleRequest, public_id) -> HttpResponse:
    """She withdrew her consent: end her as a volunteer and erase her personal data now."""
    volunteer = selectors.volunteer_detail(request.user, public_id)
    refusal = volunteer.refusal(VolunteerAction.ERASE)
    if refusal:
        messages.error(request, refusal)
        return redirect(volunteer.get_absolute_url())
    if request.method == "POST":
        try:
            with transaction.atomic():
                if volunteer.status not in (Status.ENDED, Status.REJECTED):
                    services.volunteer_transition(volunteer=volunteer, to=Status.ENDED)
                services.volunteer_erase(volunteer=volunteer)
        except services.VolunteerError as error:
            messages.error(request, str(error))
            return redirect(volunteer.get_absolute_url())
        log_access(
            request,
            action="erase",
            object_type="volunteer",
            object_id=volunteer.public_id,
            association_id=volunteer.association_id,
        )
        messages.success(request, _("Her personal data is erased. The statistical facts remain."))
        return redirect("volunteer_list")
    return render(request, "volunteers/volunteer_erase.html", {"volunteer": volunteer})


# --- Her wellbeing check ---------------------------------------------------------------------


# The query parameter of the link to the wellbeing check after a supervision session
# (supervision.services.wellbeing_invitation_link).
AFTER_SUPERVISION_PARAMETER = "veiledning"


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@login_required
@role_required(Role.VOLUNTEER)
@require_http_methods(["GET", "POST"])
def my_wellbeing(request: RoleRequest) -> HttpResponse:
    """The short wellbeing check, and her own answers, newest first (each one she can delete).
    The invitation after a supervision session links here with ?veiledning=<the session's
    id>: her answer is then stored with the occasion "after supervision"."""
    volunteer = _own_volunteer(request)
    occasion = (
        WellbeingOccasion.AFTER_SUPERVISION
        if _is_uuid(request.GET.get(AFTER_SUPERVISION_PARAMETER, ""))
        else WellbeingOccasion.ANY_TIME
    )
    form = WellbeingCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.wellbeing_check_answer(
                volunteer=volunteer,
                feeling=data["feeling"],
                needs_talk=data["needs_talk"],
                note=data["note"],
                occasion=occasion,
            )
        except services.VolunteerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Thank you. Your coordinator has been told and will contact you.")
                if data["needs_talk"]
                else _("Thank you for your answer."),
            )
            return redirect("my_wellbeing")
    return render(
        request,
        "volunteers/my_wellbeing.html",
        {
            "form": form,
            "checks": WellbeingCheck.objects.for_user(request.user).filter(volunteer=volunteer),
        },
    )


@login_required
@role_required(Role.VOLUNTEER)
@require_http_methods(["GET", "POST"])
def my_wellbeing_delete(request: RoleRequest, public_id) -> HttpResponse:
    """She deletes one of her answers, after confirming: gone for good."""
    check = get_object_or_404(WellbeingCheck.objects.for_user(request.user), public_id=public_id)
    if request.method == "POST":
        services.wellbeing_check_delete(check=check)
        messages.success(request, _("Your answer is deleted."))
        return redirect("my_wellbeing")
    return render(request, "volunteers/my_wellbeing_delete.html", {"check": check})


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def wellbeing_talked(request: RoleRequest, public_id) -> HttpResponse:
    """The coordinator has talked with her about an answer that asked for it."""
    check = get_object_or_404(
        WellbeingCheck.objects.for_user(request.user).filter(needs_talk=True),
        public_id=public_id,
    )
    services.wellbeing_check_talked(check=check)
    messages.success(request, _("Marked as talked."))
    return redirect(f"{check.volunteer.get_absolute_url()}#wellbeing")


# --- Import and export of the volunteer spreadsheet --------------------------------------------


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=sheet.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def volunteer_import_template(request: RoleRequest) -> HttpResponse:
    """The empty sheet with the columns and one example row."""
    return _xlsx(sheet.write_xlsx(sheet.template_rows(), title="Frivillige"), "frivillige-mal.xlsx")


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def volunteer_export(request: RoleRequest) -> HttpResponse:
    """Her association's volunteers as a spreadsheet, for her own use: logged as an export."""
    association = request.membership.own_association
    log_access(
        request,
        action="export",
        object_type="volunteer_list",
        object_id=association.public_id,
        association_id=association.pk,
    )
    rows = importing.export_rows(selectors.volunteer_sheet(request.user))
    return _xlsx(sheet.write_xlsx(rows, title="Frivillige"), "frivillige.xlsx")


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def volunteer_import(request: RoleRequest) -> HttpResponse:
    """Upload a sheet: it is read and checked (nothing imported), then its preview is shown."""
    form = VolunteerImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > sheet.MAX_BYTES:  # before a byte of it is read
                raise sheet.SheetError("too_large")
            volunteer_import = importing.import_preview(
                association=request.membership.own_association,
                by=request.user,
                data=upload.read(),
            )
        except sheet.SheetError as error:
            code = str(error)
            if code.startswith("missing:"):
                form.add_error(
                    "file",
                    _("The sheet lacks the column(s): %(columns)s. Use the template's headers.")
                    % {"columns": ", ".join(f"«{c}»" for c in code.split(":", 1)[1].split(","))},
                )
            else:
                form.add_error("file", importing.sheet_error_message(code))
        else:
            return redirect("volunteer_import_preview", public_id=volunteer_import.public_id)
    return render(request, "volunteers/volunteer_import.html", {"form": form})


@login_required
@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def volunteer_import_preview(request: RoleRequest, public_id) -> HttpResponse:
    """What each row will become; her confirmation imports the new ones (all or nothing).
    After the import: how many, and the invitation to log in if not sent yet."""
    volunteer_import = get_object_or_404(
        VolunteerImport.objects.for_user(request.user), public_id=public_id
    )
    done = volunteer_import.state == VolunteerImport.State.IMPORTED
    form = VolunteerImportConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not done and form.is_valid():
        try:
            importing.import_confirm(
                volunteer_import=volunteer_import,
                by=request.user,
                acting=request.membership,
                invite=form.cleaned_data["invite"],
                consent=form.cleaned_data["consent"],
            )
        except services.VolunteerError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The volunteers are imported."))
        return redirect("volunteer_import_preview", public_id=public_id)
    if request.method == "POST" and done:
        return redirect("volunteer_import_preview", public_id=public_id)
    rows = importing.rows_of(volunteer_import)
    counts = {
        outcome: sum(1 for row in rows if row.outcome == outcome)
        for outcome in (importing.NEW, importing.KNOWN, importing.INVALID)
    }
    return render(
        request,
        "volunteers/volunteer_import_preview.html",
        {
            "volunteer_import": volunteer_import,
            "rows": rows,
            "counts": counts,
            "columns": sheet.COLUMNS,
            "form": form,
            "done": done,
            "to_invite": importing.to_invite(volunteer_import).count() if done else 0,
        },
    )


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def volunteer_import_invite(request: RoleRequest, public_id) -> HttpResponse:
    """Invite the import's approved volunteers to log in."""
    volunteer_import = get_object_or_404(
        VolunteerImport.objects.for_user(request.user).filter(state=VolunteerImport.State.IMPORTED),
        public_id=public_id,
    )
    try:
        invited = importing.import_invite(
            volunteer_import=volunteer_import, by=request.user, acting=request.membership
        )
    except services.VolunteerError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s invitation to log in sent.",
                "%(count)s invitations to log in sent.",
                len(invited),
            )
            % {"count": len(invited)},
        )
    return redirect("volunteer_import_preview", public_id=public_id)
