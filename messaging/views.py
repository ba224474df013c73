"""Messages to many: the list of those sent, writing one (filter, preview with the recipients,
send after confirming), and her own page of messages received. Each view checks access, calls a
form or a service, and renders."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import RoleRequest, role_required
from accounts.models import Role
from messaging import selectors, services
from messaging.forms import CoordinatorMessageForm, VolunteerMessageForm
from messaging.services import MessageAlreadySent, MessageError


@login_required
@role_required(Role.COORDINATOR, Role.NATIONAL_ADMIN)
@require_safe
def message_list(request: RoleRequest) -> HttpResponse:
    """The messages sent from her association (or by the national administration)."""
    return render(
        request, "messaging/message_list.html", {"sent": selectors.messages_for(request.user)}
    )


def _form(request: RoleRequest, data=None):
    if request.membership.role == Role.NATIONAL_ADMIN:
        return CoordinatorMessageForm(data)
    association_id = request.membership.association_id
    assert association_id is not None  # a coordinator's membership has one
    return VolunteerMessageForm(data, user=request.user, association_id=association_id)


def _token(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


def _already_sent(request: RoleRequest) -> HttpResponse:
    messages.info(request, _("The message has already been sent."))
    return redirect("message_list")


@login_required
@role_required(Role.COORDINATOR, Role.NATIONAL_ADMIN)
@require_http_methods(["GET", "HEAD", "POST"])
def message_create(request: RoleRequest) -> HttpResponse:
    """Write a message; "Preview" shows it with the number and names of its recipients, and
    "Send" (with the box ticked that she has read the preview) sends it."""
    national = request.membership.role == Role.NATIONAL_ADMIN
    if request.method != "POST":
        return render(
            request, "messaging/message_form.html", {"form": _form(request), "national": national}
        )
    sending = "send" in request.POST
    token = _token(request.POST.get("send_token"))
    if sending and selectors.sent_with_token(request.user, token):
        return _already_sent(request)  # a double click, or the request sent again
    form = _form(request, request.POST)
    if not form.is_valid():
        return render(
            request,
            "messaging/message_form.html",
            {"form": form, "national": national},
            status=400,
        )
    recipients = form.recipients()
    digest = selectors.preview_digest(recipients, form.texts())
    context = {
        "form": form,
        "national": national,
        "recipients": recipients,
        "preview": True,
        # Each preview shown gets its own one-time token and the fingerprint of what it shows.
        "send_token": uuid.uuid4(),
        "digest": digest,
    }
    if sending:
        if token is None or not constant_time_compare(request.POST.get("digest", ""), digest):
            context["changed_warning"] = _(
                "The recipients or the text have changed since the preview. Look it over and "
                "send again."
            )
            return render(request, "messaging/message_form.html", context, status=400)
        if request.POST.get("confirm") != "yes":
            context["confirm_error"] = _("Tick the box to confirm that the message may be sent.")
            return render(request, "messaging/message_form.html", context, status=400)
        try:
            services.message_create(
                author=request.user,
                association_id=None if national else request.membership.association_id,
                criteria=form.criteria(),
                recipients=recipients,
                send_token=token,
                **form.texts(),
            )
        except MessageAlreadySent:
            return _already_sent(request)
        except MessageError as error:
            context["send_error"] = str(error)
            return render(request, "messaging/message_form.html", context, status=400)
        messages.success(request, _("The message is being sent."))
        return redirect("message_list")
    return render(request, "messaging/message_form.html", context)


@login_required
@role_required(Role.VOLUNTEER, Role.COORDINATOR)
@require_safe
def my_messages(request: RoleRequest) -> HttpResponse:
    """The messages sent to her, each in her language where it was written in both."""
    language = request.user.language
    received = [
        (message, *message.text_in(language))
        for message in selectors.messages_received(request.user)
    ]
    return render(request, "messaging/my_messages.html", {"received": received})
