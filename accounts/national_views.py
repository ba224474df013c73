"""The national admin's pages: associations (with the municipalities they cover and their
coordinators), crisis shelters (with their staff), and people with their roles. The product's
own pages, under /admin-nks/; Django's admin stays for superusers in an emergency.

Only for someone acting as national admin (403 for everyone else, logged by the 403 handler).
A person's page is logged in the access log when it is viewed; changes to associations,
shelters and roles go into the change history (settings.AUDITLOG_INCLUDE_TRACKING_MODELS).
"""

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import selectors, services
from accounts.access import RoleRequest, role_required
from accounts.audit import log_access
from accounts.forms import (
    AssociationForm,
    InvitationForm,
    MembershipRoleForm,
    PeopleSearchForm,
    ShelterForm,
)
from accounts.models import (
    Association,
    Invitation,
    Membership,
    Municipality,
    Role,
    Shelter,
    User,
)
from common import searches
from common.pagination import page_of

national_admin_only = role_required(Role.NATIONAL_ADMIN)


def _active_memberships(queryset=None) -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=(queryset or Membership.objects.active()).select_related("association", "shelter"),
        to_attr="active_memberships",
    )


@login_required
@national_admin_only
@require_safe
def overview(request: RoleRequest) -> HttpResponse:
    """What she manages here, one link each."""
    return render(request, "accounts/national/overview.html")


# --- Associations --------------------------------------------------------------------------------


@login_required
@national_admin_only
@require_safe
def association_list(request: RoleRequest) -> HttpResponse:
    associations = (
        Association.objects.for_user(request.user)
        .prefetch_related(
            "coverage__municipality",
            Prefetch(
                "memberships",
                queryset=Membership.objects.active_coordinators().select_related("user"),
                to_attr="coordinators",
            ),
        )
        .order_by("name", "pk")
    )
    return render(
        request, "accounts/national/association_list.html", {"page": page_of(request, associations)}
    )


@login_required
@national_admin_only
@require_http_methods(["GET", "POST"])
def association_create(request: RoleRequest) -> HttpResponse:
    return _association_form(request, Association())


@login_required
@national_admin_only
@require_http_methods(["GET", "POST"])
def association_edit(request: RoleRequest, public_id) -> HttpResponse:
    association = get_object_or_404(Association.objects.for_user(request.user), public_id=public_id)
    return _association_form(request, association)


def _association_form(request: RoleRequest, association: Association) -> HttpResponse:
    creating = association.pk is None
    form = AssociationForm(request.POST or None, instance=association)
    if request.method == "POST" and form.is_valid():
        try:
            services.association_save(
                association=form.save(commit=False),
                municipalities=form.cleaned_data["municipalities"],
            )
        except services.AccessError as error:
            form.add_error("municipalities", str(error))
        else:
            messages.success(
                request,
                (_("«%(name)s» is created.") if creating else _("«%(name)s» is saved."))
                % {"name": association.name},
            )
            return redirect("natadmin_association_edit", association.public_id)
    coordinators = []
    pending = []
    if not creating:
        coordinators = list(
            Membership.objects.active()
            .filter(association=association, role=Role.COORDINATOR)
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "pk")
        )
        pending = list(
            Invitation.objects.for_user(request.user)
            .pending()
            .filter(association=association, role=Role.COORDINATOR)
            .order_by("-created_at")
        )
    return render(
        request,
        "accounts/national/association_form.html",
        {
            "form": form,
            "association": None if creating else association,
            "coordinators": coordinators,
            "pending": pending,
        },
    )


# --- Shelters ------------------------------------------------------------------------------------


@login_required
@national_admin_only
@require_safe
def shelter_list(request: RoleRequest) -> HttpResponse:
    shelters = (
        Shelter.objects.for_user(request.user)
        .select_related("municipality__county")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.active().filter(role=Role.SHELTER_STAFF),
                to_attr="staff",
            )
        )
        .order_by("name", "pk")
    )
    return render(
        request, "accounts/national/shelter_list.html", {"page": page_of(request, shelters)}
    )


@login_required
@national_admin_only
@require_http_methods(["GET", "POST"])
def shelter_create(request: RoleRequest) -> HttpResponse:
    return _shelter_form(request, Shelter())


@login_required
@national_admin_only
@require_http_methods(["GET", "POST"])
def shelter_edit(request: RoleRequest, public_id) -> HttpResponse:
    shelter = get_object_or_404(Shelter.objects.for_user(request.user), public_id=public_id)
    return _shelter_form(request, shelter)


def _shelter_form(request: RoleRequest, shelter: Shelter) -> HttpResponse:
    creating = shelter.pk is None
    form = ShelterForm(request.POST or None, instance=shelter)
    if request.method == "POST" and form.is_valid():
        services.shelter_save(shelter=form.save(commit=False))
        messages.success(
            request,
            (_("«%(name)s» is created.") if creating else _("«%(name)s» is saved."))
            % {"name": shelter.name},
        )
        return redirect("natadmin_shelter_edit", shelter.public_id)
    staff = []
    pending = []
    if not creating:
        staff = list(
            Membership.objects.active()
            .filter(shelter=shelter, role=Role.SHELTER_STAFF)
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "pk")
        )
        pending = list(
            Invitation.objects.for_user(request.user)
            .pending()
            .filter(shelter=shelter, role=Role.SHELTER_STAFF)
            .order_by("-created_at")
        )
    return render(
        request,
        "accounts/national/shelter_form.html",
        {
            "form": form,
            "shelter": None if creating else shelter,
            "staff": staff,
            "pending": pending,
            "municipalities": Municipality.objects.select_related("county"),
        },
    )


# --- People and their roles ----------------------------------------------------------------------


@login_required
@national_admin_only
@require_http_methods(["GET", "POST"])
def people_list(request: RoleRequest) -> HttpResponse:
    """Everyone with a login, with her roles now. The search box posts its text, which is kept
    in the session (common.searches): the address carries the role filter and the search's id,
    never a name or an email address."""
    if request.method == "POST":
        form = PeopleSearchForm(request.POST)
        if form.is_valid():
            query = [("rolle", form.cleaned_data["role"])] if form.cleaned_data["role"] else []
            if form.cleaned_data["q"]:
                query.append(
                    (searches.PARAM, searches.search_keep(request, form.cleaned_data["q"]))
                )
            address = reverse("natadmin_people")
            return redirect(f"{address}?{urlencode(query)}" if query else address)
        expired = False
    else:
        search_id = request.GET.get(searches.PARAM)
        text = searches.search_text(request, search_id) if search_id else ""
        expired = text is None
        data = QueryDict(mutable=True)
        if request.GET.get("rolle"):
            data["role"] = request.GET["rolle"]
        if text:
            data["q"] = text
        form = PeopleSearchForm(data if data or expired else None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if expired:
        form.add_error("q", _("This search has expired. Please search again."))
    people = selectors.people_managed(request.user).prefetch_related(_active_memberships())
    if filters.get("q"):
        text = filters["q"].strip()
        words = Q()
        for word in text.split():
            words &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        people = people.filter(words)
    if filters.get("role"):
        people = people.filter(
            pk__in=Membership.objects.active().filter(role=filters["role"]).values("user_id")
        )
    people = people.order_by("first_name", "last_name", "email", "pk")
    return render(
        request,
        "accounts/national/people_list.html",
        {"form": form, "page": page_of(request, people), "role": filters.get("role", "")},
    )


def _person(request: RoleRequest, public_id) -> User:
    return get_object_or_404(selectors.people_managed(request.user), public_id=public_id)


@login_required
@national_admin_only
@require_safe
def person_detail(request: RoleRequest, public_id) -> HttpResponse:
    """Her login and her roles, each with "change role" and "end", and the login's actions."""
    person = _person(request, public_id)
    log_access(request, action="view", object_type="user", object_id=person.public_id)
    return _render_person(request, person)


def _render_person(request: RoleRequest, person: User, **forms) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(user=person)
        .select_related("association", "shelter")
        .order_by("ended_at", "-created_at")
    )
    for membership in memberships:
        membership.role_form = forms.get(str(membership.public_id)) or MembershipRoleForm(
            user=request.user,
            prefix=str(membership.public_id),
            initial={
                "role": membership.role,
                "association": membership.association.public_id if membership.association else None,
                "shelter": membership.shelter.public_id if membership.shelter else None,
            },
        )
    staff_roles = {Role.COORDINATOR, Role.SHELTER_STAFF}
    return render(
        request,
        "accounts/national/person_detail.html",
        {
            "person": person,
            "memberships": memberships,
            "has_two_step": Authenticator.objects.filter(user=person).exists(),
            "can_reset_two_step": person.is_active
            and person.pk != request.user.pk
            and any(m.is_active and m.role in staff_roles for m in memberships),
            "volunteer_role": Role.VOLUNTEER,
        },
    )


def _membership(request: RoleRequest, public_id) -> Membership:
    return get_object_or_404(
        selectors.memberships_managed(request.user).select_related("user"), public_id=public_id
    )


@login_required
@national_admin_only
@require_POST
def membership_change(request: RoleRequest, public_id) -> HttpResponse:
    membership = _membership(request, public_id)
    form = MembershipRoleForm(request.POST, user=request.user, prefix=str(membership.public_id))
    if form.is_valid():
        try:
            new = services.membership_role_change(
                membership=membership,
                role=form.cleaned_data["role"],
                association=form.cleaned_data["association"],
                shelter=form.cleaned_data["shelter"],
                by=request.user,
            )
        except services.AccessError as error:
            form.add_error("role", str(error))
        else:
            messages.success(request, _("Her role is now %(role)s.") % {"role": new.label})
            return redirect("natadmin_person", membership.user.public_id)
    return _render_person(request, membership.user, **{str(membership.public_id): form})


@login_required
@national_admin_only
@require_POST
def membership_end(request: RoleRequest, public_id) -> HttpResponse:
    membership = _membership(request, public_id)
    try:
        services.membership_end_by_admin(membership=membership, by=request.user)
    except services.AccessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The role «%(role)s» has ended.") % {"role": membership.label})
    return redirect("natadmin_person", membership.user.public_id)


@login_required
@national_admin_only
@require_POST
def person_deactivate(request: RoleRequest, public_id) -> HttpResponse:
    person = _person(request, public_id)
    try:
        services.user_deactivate(user=person, by=request.user)
    except services.AccessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The login is closed. She is logged out everywhere."))
    return redirect("natadmin_person", person.public_id)


@login_required
@national_admin_only
@require_POST
def person_reactivate(request: RoleRequest, public_id) -> HttpResponse:
    person = _person(request, public_id)
    try:
        services.user_reactivate(user=person)
    except services.AccessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The login is open again."))
    return redirect("natadmin_person", person.public_id)


@login_required
@national_admin_only
@require_POST
def person_reset_two_step(request: RoleRequest, public_id) -> HttpResponse:
    person = _person(request, public_id)
    if request.POST.get("confirmed") != "yes":
        messages.error(
            request, _("Confirm that you have spoken with her yourself before you reset it.")
        )
        return redirect("natadmin_person", person.public_id)
    try:
        services.two_step_reset_by_admin(user=person, by=request.user, role=request.membership.role)
    except services.AccessError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Her two-step login is reset and she is logged out everywhere. She sets it up "
                "again the next time she logs in."
            ),
        )
    return redirect("natadmin_person", person.public_id)


@login_required
@national_admin_only
@require_http_methods(["GET", "POST"])
def person_invite(request: RoleRequest) -> HttpResponse:
    """Invite a person to a role, through the invitation service (the email goes through the
    outbox). `?rolle=coordinator&forening=<id>` (or `&krisesenter=<id>`) fills in the role and
    place, from an association's or a shelter's page."""
    initial = {
        "role": request.GET.get("rolle") or Role.COORDINATOR,
        "association": request.GET.get("forening"),
        "shelter": request.GET.get("krisesenter"),
    }
    form = InvitationForm(
        request.POST or None, user=request.user, acting=request.membership, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.invitation_create(
                invited_by=request.user,
                acting=request.membership,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                association=data["association"],
                shelter=data["shelter"],
            )
        except services.AccessError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request, _("The invitation was sent to %(email)s.") % {"email": data["email"]}
            )
            if data["association"]:
                return redirect("natadmin_association_edit", data["association"].public_id)
            if data["shelter"]:
                return redirect("natadmin_shelter_edit", data["shelter"].public_id)
            return redirect("natadmin_people")
    return render(
        request,
        "accounts/national/person_invite.html",
        {"form": form},
    )
