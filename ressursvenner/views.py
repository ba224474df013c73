"""Public pages that belong to no single app: landing, privacy notice, health and errors."""

from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from accounts.access import AuthenticatedRequest, RoleRequest, role_required
from accounts.models import Role
from ressursvenner import health as health_checks
from ressursvenner.start import START_PAGES, volunteer_start


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page when logged out; the start page of her acting role when logged in."""
    if not request.user.is_authenticated:
        return render(request, "pages/landing.html")
    membership = cast(AuthenticatedRequest, request).membership  # she is logged in
    if membership is None:
        return render(request, "start/no_role.html")
    if membership.role == Role.VOLUNTEER:
        return redirect("my_page")  # her start page has its own address, for the menu
    return START_PAGES[membership.role](request, membership)


@login_required
@role_required(Role.VOLUNTEER)
def my_page(request: RoleRequest) -> HttpResponse:
    """The volunteer's start page; it reads her match, so it lives on the top floor."""
    return volunteer_start(request, request.membership)


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html")


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For the load balancer and the monitor: 200 when the database and the broker answer and a
    worker beat within five minutes, else 503. The body names each check, "ok" or "unavailable",
    and nothing more (no address, version or error text for an attacker to use)."""
    database = health_checks.database_ok()
    checks = {
        "database": database,
        "broker": health_checks.broker_ok(),
        "worker": database and health_checks.worker_ok(),
    }
    healthy = all(checks.values())
    payload = {"status": "ok" if healthy else "unavailable"}
    payload.update({name: "ok" if ok else "unavailable" for name, ok in checks.items()})
    return JsonResponse(payload, status=200 if healthy else 503)


@never_cache
@require_GET
def health_web(request: HttpRequest) -> JsonResponse:
    """For the load balancer: 200 when this web process answers and reaches the database, else
    503. The broker and the worker are left out on purpose: they are shared, so their failure
    would take every web host out of the load balancer at once and turn delayed emails into a
    site that is down. /helse/ checks them, for the monitor."""
    database = health_checks.database_ok()
    payload = {"status": "ok" if database else "unavailable"}
    payload["database"] = "ok" if database else "unavailable"
    return JsonResponse(payload, status=200 if database else 503)


def _error(request: HttpRequest, template: str, status: int) -> HttpResponse:
    if (
        status in (403, 404)
        and getattr(request, "user", None) is not None
        and request.user.is_authenticated
    ):
        _log_denied(request)
    return render(request, template, status=status)


def _log_denied(request: HttpRequest) -> None:
    """A logged-in person refused a page or an object: who, in which role, which page (by name
    and the object's public id - never the path, which may carry a token)."""
    from django.urls import Resolver404, resolve

    from accounts.audit import log_access

    try:
        match = resolve(request.path_info)
    except Resolver404:
        name, object_id = "unknown page", ""
    else:
        name, object_id = match.url_name or "", match.kwargs.get("public_id", "")
    log_access(request, action="denied", object_type=name[:40], object_id=object_id)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, "errors/400.html", 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, "errors/403.html", 403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, "errors/404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context here: something already failed, and a context processor might too.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a logged-in person's emails follow her choice too."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        # request.user is a lazy proxy: type() of it is not the user model.
        get_user_model().objects.filter(pk=request.user.pk).update(language=language)
    return response


@require_GET
def security_txt(request: HttpRequest) -> HttpResponse:
    """RFC 9116: where to report a vulnerability."""
    expires = (timezone.now() + timedelta(days=365)).strftime("%Y-%m-%dT00:00:00Z")
    body = (
        f"Contact: {settings.SECURITY_CONTACT}\nExpires: {expires}\nPreferred-Languages: no, en\n"
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
