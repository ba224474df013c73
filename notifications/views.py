from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import AuthenticatedRequest, act_as
from common.pagination import page_of
from notifications import selectors, services
from notifications.models import Notification


@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    """Her notifications in the role she acts in, newest first, a page at a time (`?side=`), and
    how many wait in each of her others."""
    page = page_of(request, selectors.in_acting_role(request.user, request.membership))
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "notifications": page.object_list,
            "waiting_elsewhere": selectors.unread_elsewhere(
                request.user, request.membership, request.memberships
            ),
        },
    )


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
