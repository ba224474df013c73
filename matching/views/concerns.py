""" "I am worried" on its own, from the volunteer's phone: a concern raised without a meeting."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import RoleRequest, role_required
from accounts.models import Role
from matching import selectors, services
from matching.forms import ConcernForm
from matching.models import Match


def _her_open_matches(request: RoleRequest) -> list[Match]:
    return list(
        selectors.open_matches_of(request.user)
        .select_related("referral")
        .only("public_id", "status", "referral_id", "referral__alias")
        .order_by("proposed_at")
    )


@login_required
@role_required(Role.VOLUNTEER)
@require_http_methods(["GET", "POST"])
def concern_new(request: RoleRequest) -> HttpResponse:
    """She tells her coordinator that she is worried, at once, without logging a meeting. When
    someone is in danger now, she is sent on to the emergency page (112 first) once the concern
    is recorded. Only her own open matches can be chosen; any other is not found."""
    matches = _her_open_matches(request)
    if not matches:
        return render(request, "matching/concern_form.html", {"form": None})
    wanted = request.GET.get("kobling")
    if wanted and wanted not in {str(match.public_id) for match in matches}:
        raise Http404
    form = ConcernForm(request.POST or None, matches=matches)
    if wanted and not form.is_bound:
        form.initial["match"] = wanted
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.concern_raise(match=data["match"], by=request.user, text=data["text"])
        except services.MatchingError as error:
            form.add_error("text", str(error))
        else:
            if data["danger"]:
                messages.warning(
                    request,
                    _("Your coordinator has been told. If someone is in danger, call 112 now."),
                )
                return redirect("emergency")
            messages.success(
                request, _("Thank you. Your coordinator has been told and will contact you.")
            )
            return redirect("my_page")
    return render(request, "matching/concern_form.html", {"form": form, "matches": matches})
