"""The national course catalogue, kept by the national admin in the product's own pages
(/admin-nks/kurs/). A course is never deleted, only no longer offered: sessions held and
volunteers' completions point at it. Changes go into the change history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import RoleRequest, role_required
from accounts.models import Role
from common.pagination import page_of
from courses import services
from courses.forms import CourseCatalogueForm
from courses.models import Course


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_safe
def catalogue(request: RoleRequest) -> HttpResponse:
    courses = Course.objects.annotate(
        upcoming=Count(
            "sessions",
            filter=Q(sessions__ends_at__gte=timezone.now(), sessions__cancelled_at__isnull=True),
        )
    ).order_by("-is_active", "kind", "title", "pk")
    return render(request, "courses/catalogue.html", {"page": page_of(request, courses)})


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_http_methods(["GET", "POST"])
def course_create(request: RoleRequest) -> HttpResponse:
    return _course_form(request, Course())


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_http_methods(["GET", "POST"])
def course_edit(request: RoleRequest, public_id) -> HttpResponse:
    return _course_form(request, get_object_or_404(Course, public_id=public_id))


def _course_form(request: RoleRequest, course: Course) -> HttpResponse:
    creating = course.pk is None
    form = CourseCatalogueForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        services.course_save(course=form.save(commit=False))
        messages.success(
            request,
            (_("«%(name)s» is created.") if creating else _("«%(name)s» is saved."))
            % {"name": course.title},
        )
        return redirect("course_catalogue")
    return render(
        request,
        "courses/catalogue_form.html",
        {"form": form, "course": None if creating else course},
    )


@login_required
@role_required(Role.NATIONAL_ADMIN)
@require_POST
def course_offer(request: RoleRequest, public_id) -> HttpResponse:
    """Stop offering a course (`offered=no`), or offer it again (`offered=yes`)."""
    course = get_object_or_404(Course, public_id=public_id)
    offered = request.POST.get("offered") == "yes"
    try:
        services.course_set_offered(course=course, offered=offered)
    except services.CourseError as error:
        messages.error(request, str(error))
        return redirect("course_catalogue")
    if offered:
        messages.success(request, _("«%(name)s» is offered again.") % {"name": course.title})
    else:
        messages.success(
            request,
            _(
                "«%(name)s» is no longer offered. Sessions already planned are kept, and "
                "volunteers keep their completion."
            )
            % {"name": course.title},
        )
    return redirect("course_catalogue")
