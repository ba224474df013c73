from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.base.views import AuthenticateView as AllauthAuthenticateView
from allauth.mfa.base.views import IndexView as AllauthMFAIndexView
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.views import ViewRecoveryCodesView as AllauthRecoveryCodesView
from allauth.mfa.totp.views import ActivateTOTPView as AllauthActivateTOTPView
from allauth.mfa.webauthn import views as webauthn_views
from allauth.mfa.webauthn.internal import auth as webauthn_auth
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts import lists, services
from accounts.access import (
    LAST_ACTIVITY_SESSION_KEY,
    TWO_STEP_ENROLLED_SESSION_KEY,
    AuthenticatedRequest,
    RoleRequest,
    act_as,
    mark_password_just_proved,
    role_required,
)
from accounts.forms import (
    AbsenceForm,
    AddPasskeyForm,
    InvitationForm,
    ListEntryForm,
    RoleSwitchForm,
    SetPasswordForm,
    SettingsForm,
)
from accounts.lists import Entry, ProgrammeList
from accounts.models import Absence, Invitation, Role
from common.pagination import page_of


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    # A path of this site only: redirect() would take any other word for the name of a view.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default


@login_required
@require_http_methods(["GET", "POST"])
def role_switch(request: AuthenticatedRequest) -> HttpResponse:
    """Choose which of her roles she acts in; remembered for the session."""
    form = RoleSwitchForm(
        request.POST or None,
        memberships=request.memberships,
        initial={"membership": request.membership.public_id if request.membership else None},
    )
    if request.method == "POST":
        if form.is_valid():
            membership = form.cleaned_data["membership"]
            act_as(request, membership)
            messages.success(request, _("You now act as %(role)s.") % {"role": membership.label})
            return redirect(_safe_next(request))
        status = 400
    else:
        status = 200
    context = {"form": form, "next": _safe_next(request)}
    return render(request, "accounts/role_switch.html", context, status=status)


@login_required
@role_required(Role.NATIONAL_ADMIN, Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def invitation_list(request: RoleRequest) -> HttpResponse:
    """Invitations she may see, newest first, and the form to send a new one."""
    form = InvitationForm(request.POST or None, user=request.user, acting=request.membership)
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
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The invitation was sent to %(email)s.") % {"email": data["email"]}
            )
            return redirect("invitation_list")
    invitations = (
        Invitation.objects.for_user(request.user)
        .select_related("association", "shelter", "invited_by")
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "accounts/invitation_list.html",
        {
            "form": form,
            "page": page_of(request, invitations),
            "valid_days": settings.INVITATION_VALID_DAYS,
        },
    )


@login_required
@role_required(Role.NATIONAL_ADMIN, Role.COORDINATOR)
@require_POST
def invitation_revoke(request: RoleRequest, public_id) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.for_user(request.user), public_id=public_id)
    try:
        services.invitation_revoke(invitation=invitation)
    except services.AccessError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The invitation was withdrawn. The link no longer works."))
    return redirect("invitation_list")


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation email: set a password (or log in) and take the role."""
    invitation = services.invitation_find(token)
    if invitation is None:
        return render(
            request, "accounts/invitation_unusable.html", {"reason": "unknown"}, status=404
        )
    if invitation.status != Invitation.Status.PENDING:
        return render(
            request, "accounts/invitation_unusable.html", {"reason": invitation.status}, status=410
        )
    context = {"invitation": invitation}
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            return render(request, "accounts/invitation_other_user.html", context, status=403)
        if request.method == "POST":
            services.invitation_accept(invitation=invitation, user=request.user)
            messages.success(
                request,
                _("You have a new role: %(role)s.") % {"role": invitation.get_role_display()},
            )
            return redirect("home")
        return render(request, "accounts/invitation_confirm.html", context)

    if services.invitation_needs_login(invitation):
        return render(request, "accounts/invitation_login.html", context)

    form = SetPasswordForm(
        request.POST or None,
        email=invitation.email,
        initial={"first_name": invitation.first_name, "last_name": invitation.last_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                language=request.LANGUAGE_CODE,
            )
        except services.AccessError as error:
            return render(
                request,
                "accounts/invitation_unusable.html",
                {"reason": "used", "message": str(error)},
                status=410,
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        # She just chose her password; setting up two-step login next needs no second proof.
        mark_password_just_proved(request, user)
        messages.success(request, _("Welcome! Your password is saved."))
        return redirect("home")
    return render(request, "accounts/invitation_accept.html", {**context, "form": form})


@login_required
@require_GET
def session_status(request: AuthenticatedRequest) -> JsonResponse:
    """How many seconds are left before the idle timeout (asking does not count as activity)."""
    return JsonResponse({"remaining": _remaining(request)})


@login_required
@require_POST
def session_keepalive(request: AuthenticatedRequest) -> JsonResponse:
    """The "stay logged in" button: the middleware has just recorded this as activity."""
    return JsonResponse({"remaining": _remaining(request)})


def _remaining(request: HttpRequest) -> int | None:
    if not getattr(request, "needs_two_step", False):
        return None
    import time

    last = request.session.get(LAST_ACTIVITY_SESSION_KEY, int(time.time()))
    return max(0, settings.IDLE_TIMEOUT_SECONDS - (int(time.time()) - last))


class ActivateTOTPView(AllauthActivateTOTPView):
    """allauth's set-up of an authenticator app, plus: passing it counts as the second step of
    this session, and the session key changes."""

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[TWO_STEP_ENROLLED_SESSION_KEY] = True
        return response


class AuthenticateView(AllauthAuthenticateView):
    """allauth's second step, knowing whether she has a security key to offer."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["has_security_key"] = Authenticator.objects.filter(
            user=self.stage.login.user, type=Authenticator.Type.WEBAUTHN
        ).exists()
        return context


@login_required
def remove_security_key(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """allauth's removal of a security key, after making sure it is hers: someone else's
    number gets 404 at once, before allauth asks for the password again."""
    get_object_or_404(Authenticator, pk=pk, user=request.user, type=Authenticator.Type.WEBAUTHN)
    return webauthn_views.remove_webauthn(request, pk=pk)


def _passkeys(user) -> list[Authenticator]:
    """Her WebAuthn credentials that can log her in alone (made as passkeys)."""
    return [
        key
        for key in Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN)
        if key.wrap().is_passwordless
    ]


class MFAIndexView(AllauthMFAIndexView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_deactivate_totp"] = not getattr(self.request, "needs_two_step", True)
        context["passkey_login"] = mfa_settings.PASSKEY_LOGIN_ENABLED
        # allauth has read her keys already (wrapped): no second query.
        keys = context["authenticators"].get("webauthn", [])
        context["passkeys"] = [key for key in keys if key.is_passwordless]
        context["security_key_count"] = len(keys) - len(context["passkeys"])
        return context


class RecoveryCodesView(AllauthRecoveryCodesView):
    """allauth's recovery codes, and under them the offer of a passkey while she has none (she
    is sent here right after setting up the app, so that is where she first meets it)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["offer_passkey"] = mfa_settings.PASSKEY_LOGIN_ENABLED and not _passkeys(
            self.request.user
        )
        return context


class AddPasskeyView(webauthn_views.AddWebAuthnView):
    """allauth's adding of a WebAuthn credential, as a passkey (AddPasskeyForm): the browser is
    asked from the start for a credential kept on the device and unlocked by her fingerprint,
    face or PIN. Then she can log in with it alone (the login page's passkey button)."""

    template_name = "mfa/webauthn/add_passkey.html"

    def get_form_class(self):
        return AddPasskeyForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["js_data"] = {
            "creation_options": webauthn_auth.begin_registration(self.request.user, True)
        }
        return context


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: AuthenticatedRequest) -> HttpResponse:
    coordinator = _is_coordinator(request)
    form = SettingsForm(request.POST or None, instance=request.user, coordinator=coordinator)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your settings are saved."))
        return redirect("account_settings")
    return _settings_page(request, form=form, absence_form=AbsenceForm() if coordinator else None)


def _is_coordinator(request: AuthenticatedRequest) -> bool:
    return any(m.role == Role.COORDINATOR for m in request.memberships)


def _settings_page(request: AuthenticatedRequest, *, form, absence_form) -> HttpResponse:
    absences = (
        list(Absence.objects.for_user(request.user).current_or_coming())
        if absence_form is not None
        else []
    )
    return render(
        request,
        "accounts/settings.html",
        {"form": form, "absence_form": absence_form, "absences": absences},
    )


# --- The programme's lists (national admin) ----------------------------------------------------


def _programme_list(slug: str) -> ProgrammeList:
    programme_list = lists.by_slug(slug)
    if programme_list is None:
        raise Http404
    return programme_list


def _list_entry(programme_list: ProgrammeList, value: str) -> Entry:
    try:
        entry = programme_list.entry(programme_list.to_value(value))
    except ValueError:
        entry = None
    if entry is None:
        raise Http404
    return entry


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_safe
def programme_lists(request: RoleRequest) -> HttpResponse:
    """Every list the programme uses, with its entries."""
    return render(
        request,
        "accounts/programme_lists.html",
        {"lists": [(p, p.entries()) for p in lists.registered()]},
    )


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_http_methods(["GET", "POST"])
def programme_list(request: RoleRequest, slug: str) -> HttpResponse:
    """One list: its entries in order (move, edit, deactivate) and a form to add one."""
    plist = _programme_list(slug)
    form = ListEntryForm(request.POST or None, programme_list=plist) if plist.can_add else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.list_entry_add(programme_list=plist, **form.cleaned_data)
            except services.ListError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("«%(name)s» is added at the end of the list.")
                    % {"name": form.cleaned_data[f"name_{_page_language()}"]},
                )
                return redirect("programme_list", slug=plist.slug)
    return render(
        request,
        "accounts/programme_list.html",
        {
            "list": plist,
            "entries": plist.entries(),
            "form": form,
            "full": plist.is_full(),
            "full_message": services.list_full_message(),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _page_language() -> str:
    return "en" if (translation.get_language() or "nb").startswith("en") else "nb"


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_http_methods(["GET", "POST"])
def programme_list_entry(request: RoleRequest, slug: str, value: str) -> HttpResponse:
    """The names of one entry, in both languages."""
    plist = _programme_list(slug)
    entry = _list_entry(plist, value)
    form = ListEntryForm(
        request.POST or None,
        programme_list=plist,
        value=entry.value,
        initial={"name_nb": entry.name_nb, "name_en": entry.name_en},
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.list_entry_rename(
                programme_list=plist, value=entry.value, **form.cleaned_data
            )
        except services.ListError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("The names are saved. Old records show them too."))
            else:
                messages.info(request, _("Nothing changed: the names were already like that."))
            return redirect("programme_list", slug=plist.slug)
    return render(
        request,
        "accounts/programme_list_entry.html",
        {"list": plist, "entry": entry, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_POST
def programme_list_entry_change(request: RoleRequest, slug: str, value: str) -> HttpResponse:
    """Move an entry (`flytt=opp|ned`) or deactivate it or take it into use (`i_bruk=0|1`)."""
    plist = _programme_list(slug)
    entry = _list_entry(plist, value)
    try:
        if request.POST.get("flytt") in ("opp", "ned"):
            services.list_entry_move(
                programme_list=plist, value=entry.value, up=request.POST["flytt"] == "opp"
            )
        elif request.POST.get("i_bruk") in ("0", "1"):
            active = request.POST["i_bruk"] == "1"
            if services.list_entry_set_active(
                programme_list=plist, value=entry.value, active=active
            ):
                messages.success(
                    request,
                    (
                        _("«%(name)s» is offered again.")
                        if active
                        else _(
                            "«%(name)s» is no longer offered. Records that have it still show it."
                        )
                    )
                    % {"name": entry.name},
                )
        else:
            return HttpResponseBadRequest()
    except services.ListError as error:
        messages.error(request, str(error))
    return redirect(f"{reverse('programme_list', args=[plist.slug])}#{_anchor(entry)}")


def _anchor(entry: Entry) -> str:
    return f"oppforing-{entry.value}"


@login_required
@require_POST
def absence_add(request: AuthenticatedRequest) -> HttpResponse:
    """A coordinator marks herself away; the others present get her notices meanwhile."""
    if not _is_coordinator(request):
        return redirect("account_settings")
    absence_form = AbsenceForm(request.POST)
    if absence_form.is_valid():
        try:
            services.absence_add(user=request.user, **absence_form.cleaned_data)
        except services.AccessError as error:
            absence_form.add_error("ends_on", str(error))
        else:
            messages.success(
                request, _("You are marked as away. The other coordinators get your notices.")
            )
            return redirect(f"{reverse('account_settings')}#borte")
    form = SettingsForm(instance=request.user, coordinator=True)
    return _settings_page(request, form=form, absence_form=absence_form)


@login_required
@require_POST
def absence_remove(request: AuthenticatedRequest, public_id) -> HttpResponse:
    absence = get_object_or_404(Absence.objects.for_user(request.user), public_id=public_id)
    services.absence_remove(absence=absence)
    messages.success(request, _("The absence is removed."))
    return redirect(f"{reverse('account_settings')}#borte")
