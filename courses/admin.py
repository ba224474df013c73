"""The national course catalogue, kept by national admins. Sessions, enrolments and calendar
feeds are not here: coordinators manage sessions in the app, and feed tokens are secrets."""

from django.contrib import admin

from accounts.admin_site import NationalAdminPermissions
from courses.forms import CourseAdminForm
from courses.models import Course


@admin.register(Course)
class CourseAdmin(NationalAdminPermissions, admin.ModelAdmin):
    form = CourseAdminForm
    list_display = ("title", "kind", "required_for_matching", "validity_months", "is_active")
    list_filter = ("kind", "required_for_matching", "is_active")
    search_fields = ("title",)
    readonly_fields = ("public_id",)
    fields = (
        "title",
        "description",
        "kind",
        "required_for_matching",
        "qualifies_for",
        "validity_months",
        "is_active",
        "public_id",
    )
