import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import RoleRequest, role_required
from accounts.audit import log_access
from accounts.models import Municipality, Role
from common.downloads import json_download
from common.pagination import page_of
from matching import scoring, selectors, services
from matching.batch import batch_proposal
from matching.exports import referral_export
from matching.forms import (
    ListFilterForm,
    ReferralForm,
    TransferForm,
    WithdrawForm,
)
from matching.models import (
    OPEN_MATCH,
    WAITING,
    WITHDRAWABLE,
    Match,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from volunteers import services as volunteer_services
from volunteers.models import Volunteer

# The "not eligible" list shows the count for each rule, and names at most this many when she
# asks to see who they are (`?vis=ikke-aktuelle`): reading and writing their names costs the page
# a quarter of its time, and is seldom needed.
EXCLUDED_SHOWN = 100
SHOW_EXCLUDED = "ikke-aktuelle"

# --- Referrals ---------------------------------------------------------------------------------


def _public_id(value: str | None) -> uuid.UUID:
    """An id sent in a form or the query string: anything but a UUID names nothing there is."""
    try:
        return uuid.UUID(value or "")
    except ValueError:
        raise Http404 from None


@login_required
@role_required(Role.SHELTER_STAFF)
@require_http_methods(["GET", "POST"])
def referral_create(request: RoleRequest) -> HttpResponse:
    previous = None
    if request.GET.get("tidligere") or request.POST.get("previous"):
        previous = get_object_or_404(
            Referral.objects.for_user(request.user).filter(status=ReferralStatus.ENDED),
            public_id=_public_id(request.GET.get("tidligere") or request.POST.get("previous")),
        )
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                shelter=request.membership.shelter,
                by=request.user,
                data=form.referral_data(),
                languages=form.cleaned_data["languages"],
                avoid=form.cleaned_data["avoid"],
                previous=previous,
            )
        except services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The referral is sent to %(association)s. You can follow it here.")
                % {"association": referral.association.name},
            )
            return redirect(referral.get_absolute_url())
    return render(
        request,
        "matching/referral_form.html",
        {
            "form": form,
            "previous": previous,
            "municipalities": Municipality.objects.select_related("county"),
        },
    )


@login_required
@role_required(Role.COORDINATOR, Role.SHELTER_STAFF)
@require_safe
def referral_list(request: RoleRequest) -> HttpResponse:
    """The coordinator's queue (the waiting ones first, oldest first, then those in progress;
    `?vis=` for only the waiting or the closed ones), or the shelter's referrals: a page at a
    time (`?side=`), the filter kept in the page links."""
    if request.membership.role == Role.SHELTER_STAFF:
        page = page_of(request, selectors.shelter_referrals(request.user))
        page.object_list = selectors.with_volunteer_contact(page.object_list)
        return render(request, "matching/shelter_referrals.html", {"page": page})
    form = ListFilterForm(request.GET, lists=selectors.ReferralList)
    context: dict[str, Any] = {"tabs": form.tabs(), "show": form.show}
    if form.show == selectors.ReferralList.CLOSED:
        context["page"] = page_of(request, selectors.referrals_closed(request.user))
        context["closed"] = context["page"].object_list
    elif form.show == selectors.ReferralList.WAITING:
        context["page"] = page = page_of(request, selectors.referrals_waiting(request.user))
        context["waiting"] = page.object_list
        context["can_batch"] = page.paginator.count > 1
    else:
        # One list, the waiting ones first: a page may hold the end of them and the first of
        # those in progress.
        context["page"] = page = page_of(request, selectors.referral_queue(request.user))
        rows = list(page.object_list)
        context["waiting"] = [r for r in rows if r.is_waiting]
        context["in_progress"] = [r for r in rows if not r.is_waiting]
        # The first page holds the first of the waiting ones (all of them, or a full page):
        # "at least two are waiting" is known there. Later pages show the waiting section only
        # when the waiting ones reach them.
        context["can_batch"] = page.number == 1 and len(context["waiting"]) > 1
        context["waiting_section"] = page.number == 1 or bool(context["waiting"])
    return render(request, "matching/referral_queue.html", context)


def _referral(request: HttpRequest, public_id) -> Referral:
    """The referral with what its page shows: her languages and avoid list, the proposals and
    matches with their volunteers, and the history with the associations it names (one query
    each)."""
    return get_object_or_404(
        Referral.objects.for_user(request.user)
        .select_related("shelter", "association", "municipality__county")
        .prefetch_related(
            "languages",
            "avoid_municipalities",
            Prefetch(
                "matches",
                queryset=Match.objects.select_related("volunteer").order_by("proposed_at"),
            ),
            Prefetch(
                "events",
                queryset=ReferralEvent.objects.select_related("to_association", "from_association"),
            ),
        ),
        public_id=public_id,
    )


def _referral_for_suggestions(request: HttpRequest, public_id) -> Referral:
    """The referral as the suggestion page shows and scores it: with her municipality, her
    languages and avoid list (which the scoring takes from here), nothing of its history."""
    return get_object_or_404(
        Referral.objects.for_user(request.user)
        .select_related("municipality__county")
        .prefetch_related("languages", "avoid_municipalities"),
        public_id=public_id,
    )


@login_required
@role_required(Role.COORDINATOR, Role.SHELTER_STAFF)
@require_safe
def referral_detail(request: RoleRequest, public_id) -> HttpResponse:
    referral = _referral(request, public_id)
    log_access(
        request,
        action="view",
        object_type="referral",
        object_id=referral.public_id,
        association_id=referral.association_id,
    )
    open_match = next((m for m in referral.matches.all() if m.status in OPEN_MATCH), None)
    context = {
        "referral": referral,
        "open_match": open_match,
        "earlier_matches": [m for m in referral.matches.all() if m.status not in OPEN_MATCH],
        "can_withdraw": referral.status in WITHDRAWABLE,
    }
    if request.membership.role == Role.SHELTER_STAFF:
        context["volunteer_contact"] = selectors.volunteer_contact_for_shelter(open_match)
        return render(request, "matching/referral_shelter.html", context)
    context["transfer_form"] = TransferForm(exclude=referral.association)
    context["earlier_referral_match"] = selectors.earlier_match(request.user, referral)
    context["earlier_referral_elsewhere"] = (
        referral.previous_id is not None
        and not Referral.objects.for_user(request.user).filter(pk=referral.previous_id).exists()
    )
    return render(request, "matching/referral_detail.html", context)


@login_required
@role_required(Role.COORDINATOR, Role.SHELTER_STAFF)
@require_safe
def referral_safety_notes(request: RoleRequest, public_id) -> HttpResponse:
    """The safety notes, behind a "show" of their own (every view of them is logged)."""
    referral = _referral(request, public_id)
    log_access(
        request,
        action="view",
        object_type="referral_safety_notes",
        object_id=referral.public_id,
        association_id=referral.association_id,
    )
    return render(request, "matching/referral_safety_notes.html", {"referral": referral})


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def referral_take(request: RoleRequest, public_id) -> HttpResponse:
    referral = _referral(request, public_id)
    try:
        services.referral_take(referral=referral, by=request.user)
    except services.MatchingError as error:
        messages.error(request, str(error))
        return redirect(referral.get_absolute_url())
    return redirect("referral_suggestions", public_id=referral.public_id)


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def referral_transfer(request: RoleRequest, public_id) -> HttpResponse:
    referral = _referral(request, public_id)
    form = TransferForm(request.POST, exclude=referral.association)
    if form.is_valid():
        try:
            services.referral_transfer(
                referral=referral,
                to=form.cleaned_data["association"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The referral is transferred to %(association)s.")
                % {"association": form.cleaned_data["association"]},
            )
            return redirect("referral_list")
    return render(
        request,
        "matching/referral_detail.html",
        {
            "referral": referral,
            "transfer_form": form,
            "open_match": None,
            "earlier_matches": list(referral.matches.all()),
            "can_withdraw": False,
        },
    )


@login_required
@role_required(Role.SHELTER_STAFF)
@require_http_methods(["GET", "POST"])
def referral_withdraw(request: RoleRequest, public_id) -> HttpResponse:
    referral = _referral(request, public_id)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_withdraw(
                referral=referral, reason=form.cleaned_data["reason"], by=request.user
            )
        except services.MatchingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The referral is withdrawn."))
            return redirect(referral.get_absolute_url())
    return render(request, "matching/referral_withdraw.html", {"referral": referral, "form": form})


# --- Suggestions and proposals -----------------------------------------------------------------


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def referral_suggestions(request: RoleRequest, public_id) -> HttpResponse:
    referral = _referral_for_suggestions(request, public_id)
    log_access(
        request,
        action="view",
        object_type="referral",
        object_id=referral.public_id,
        association_id=referral.association_id,
    )
    result, excluded_summary, excluded_names = None, [], []
    show_excluded = request.GET.get("vis") == SHOW_EXCLUDED
    if referral.status in WAITING:
        result = scoring.suggest(referral, neighbours_km=settings.MATCHING_NEIGHBOUR_KM)
        excluded_summary = [
            (scoring.rule_text(rule), count) for rule, count in result.excluded.by_rule.items()
        ]
        if show_excluded:
            excluded_names = result.excluded[:EXCLUDED_SHOWN]
    return render(
        request,
        "matching/suggestions.html",
        {
            "referral": referral,
            "result": result,
            "excluded_summary": excluded_summary,
            "show_excluded": show_excluded,
            "show_excluded_query": f"?vis={SHOW_EXCLUDED}",
            "excluded_names": excluded_names,
        },
    )


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def match_propose(request: RoleRequest, public_id) -> HttpResponse:
    referral = _referral(request, public_id)
    # She may belong to a neighbouring association; the service checks every rule again.
    volunteer = get_object_or_404(
        selectors.proposable_volunteers(request.user, referral),
        public_id=_public_id(request.POST.get("volunteer")),
    )
    # "Propose a shorter match": she confirms on purpose a match shorter than its planned year.
    shorter = request.POST.get("shorter") == "1"
    try:
        match = services.match_propose(
            referral=referral, volunteer=volunteer, by=request.user, shorter=shorter
        )
    except services.MatchingError as error:
        messages.error(request, str(error))
        if request.POST.get("back") == "batch":
            return redirect("match_batch")
        return redirect("referral_suggestions", public_id=referral.public_id)
    messages.success(
        request,
        _(
            "%(name)s is proposed. She is asked to confirm that she knows neither the woman nor the abuser."
        )
        % {"name": volunteer.first_name},
    )
    if request.POST.get("back") == "batch":
        return redirect("match_batch")
    return redirect(match.get_absolute_url())


@login_required
@role_required(Role.COORDINATOR)
@require_POST
def referral_commitment_renew(request: RoleRequest, public_id) -> HttpResponse:
    """Renew, from the referral's suggestions, the commitment of one of her volunteers whose
    commitment ends before the match's planned year; back to the suggestions, where she is
    then suggested."""
    referral = get_object_or_404(
        Referral.objects.for_user(request.user).only("pk", "public_id"), public_id=public_id
    )
    volunteer = get_object_or_404(
        Volunteer.objects.for_user(request.user),
        public_id=_public_id(request.POST.get("volunteer")),
    )
    try:
        period = volunteer_services.commitment_renew(volunteer=volunteer)
    except volunteer_services.VolunteerError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s's commitment is renewed until %(date)s.")
            % {
                "name": volunteer.first_name,
                "date": formats.date_format(period.ends_on, "SHORT_DATE_FORMAT"),
            },
        )
    return redirect("referral_suggestions", public_id=referral.public_id)


@login_required
@role_required(Role.COORDINATOR)
@require_safe
def match_batch(request: RoleRequest) -> HttpResponse:
    proposal = batch_proposal(request.membership.own_association)
    return render(request, "matching/batch.html", {"proposal": proposal})


# --- Data requests and withdrawn consent -------------------------------------------------------


@login_required
@role_required(Role.COORDINATOR, Role.SHELTER_STAFF)
@require_safe
def referral_data(request: RoleRequest, public_id) -> HttpResponse:
    """Everything stored about her, for the shelter to hand over: a page, or JSON.

    Shelter staff get the part their shelter may see; the coordinator makes the whole export.
    """
    referral = _referral(request, public_id)
    log_access(
        request,
        action="export",
        object_type="referral",
        object_id=referral.public_id,
        association_id=referral.association_id,
    )
    complete = request.membership.role == Role.COORDINATOR
    data = referral_export(referral, with_matches=complete)
    if request.GET.get("format") == "json":
        return json_download(data, "henvisning.json")
    return render(
        request,
        "matching/referral_data.html",
        {"referral": referral, "data": data, "complete": complete},
    )


@login_required
@role_required(Role.COORDINATOR, Role.SHELTER_STAFF)
@require_http_methods(["GET", "POST"])
def referral_consent_withdrawn(request: RoleRequest, public_id) -> HttpResponse:
    referral = _referral(request, public_id)
    if referral.erased_at:
        messages.info(request, _("Her personal data is already erased."))
        return redirect(referral.get_absolute_url())
    if request.method == "POST":
        services.referral_consent_withdrawn(referral=referral, by=request.user)
        log_access(
            request,
            action="erase",
            object_type="referral",
            object_id=referral.public_id,
            association_id=referral.association_id,
        )
        messages.success(
            request,
            _(
                "Her consent is withdrawn: the match is ended, reminders stop, and her personal data is erased."
            ),
        )
        return redirect("referral_list")
    return render(request, "matching/referral_consent_withdrawn.html", {"referral": referral})
