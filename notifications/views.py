from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.access import AuthenticatedRequest, RoleRequest, act_as, role_required
from accounts.models import Role
from common.pagination import page_of
from notifications import kinds, selectors, services
from notifications.kinds import NotificationKind
from notifications.models import Notification, OutboxMessage


@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    """Her notifications in the role she acts in, and how many wait in each of her others.

    What needs her now comes first: the unread urgent ones (a concern) one by one, marked as
    urgent; then the unread routine ones grouped by kind ("7 new referrals"), each group with
    its newest few and a link to all of its kind (`?type=<kind>`, a page at a time); then those
    she has read, a page at a time (`?side=`).
    """
    user, acting = request.user, request.membership
    context: dict = {
        "waiting_elsewhere": selectors.unread_elsewhere(user, acting, request.memberships)
    }
    kind = _kind_asked(request.GET.get("type", ""))
    if kind is not None:
        page = page_of(request, selectors.of_kind(user, acting, kind))
        context["kind"] = kind
    else:
        page = page_of(request, selectors.earlier(user, acting))
        context["urgent"], context["groups"] = selectors.unread_by_urgency(user, acting)
    context.update(page=page, notifications=page.object_list)
    return render(request, "notifications/list.html", context)


def _kind_asked(code: str) -> NotificationKind | None:
    try:
        return kinds.get(code) if code else None
    except kinds.UnknownKind:
        return None


@login_required
@require_POST
def notification_open(request: AuthenticatedRequest, public_id) -> HttpResponse:
    """Mark it read and go to the page where the task is, in the role the task is for: one
    meant for another of her roles switches to that role first (it would be refused in this
    one)."""
    notification = get_object_or_404(
        Notification.objects.for_user(request.user), public_id=public_id
    )
    services.notification_mark_read(notification=notification)
    if not notification.is_for(request.membership):
        membership = notification.membership_among(request.memberships)
        if membership is None:
            messages.info(
                request, _("That notification was for a role you no longer have. Nothing to do.")
            )
            return redirect("notification_list")
        act_as(request, membership)
        messages.info(request, _("You now act as %(role)s.") % {"role": membership.label})
    target = notification.link
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "notification_list"
    return redirect(target)


@login_required
@require_POST
def notifications_read_all(request: AuthenticatedRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user, membership=request.membership)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notification_list")


# --- The national admin's page of emails that could not be delivered -----------------------------


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_safe
def failed_email_list(request: RoleRequest) -> HttpResponse:
    """The emails given up on after every attempt, newest first, a page at a time: when, what
    kind, to which address and the error's type; never the text (it may hold a login link).
    Each with "try again" (services.outbox_retry)."""
    failed = OutboxMessage.objects.for_user(request.user).failed().order_by("-created_at", "-pk")
    return render(
        request, "notifications/failed_email_list.html", {"page": page_of(request, failed)}
    )


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_POST
def failed_email_retry(request: RoleRequest, public_id) -> HttpResponse:
    message = get_object_or_404(
        OutboxMessage.objects.for_user(request.user).failed(), public_id=public_id
    )
    try:
        services.outbox_retry(message=message)
    except services.DeliveryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The email will be sent again in a moment."))
    return redirect("natadmin_failed_emails")
