from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import RoleRequest, role_required
from accounts.models import Role
from matching import selectors, services
from matching.forms import MatchingWeightsForm
from matching.models import MatchingWeights


def _saved_message(request: HttpRequest, changed: dict) -> None:
    if changed:
        messages.success(
            request,
            ngettext(
                "Saved: %(n)s weight changed. New suggestions use it from now on.",
                "Saved: %(n)s weights changed. New suggestions use them from now on.",
                len(changed),
            )
            % {"n": len(changed)},
        )
    else:
        messages.info(request, _("Nothing changed: the weights were already like that."))


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_http_methods(["GET", "POST"])
def matching_weights(request: RoleRequest) -> HttpResponse:
    """The weights of the score's parts: see them, change them, see who changed them."""
    current = MatchingWeights.current()
    form = MatchingWeightsForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.matching_weights_update(values=form.weights(), by=request.user)
        except services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            _saved_message(request, changed)
            return redirect("matching_weights")
    defaults = MatchingWeights.defaults()
    return render(
        request,
        "matching/weights.html",
        {
            "form": form,
            "defaults": [(form[part].label, value) for part, value in defaults.items()],
            "is_default": current == defaults,
            "history": selectors.matching_weights_history(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_POST
def matching_weights_restore(request: RoleRequest) -> HttpResponse:
    _saved_message(request, services.matching_weights_restore_defaults(by=request.user))
    return redirect("matching_weights")
