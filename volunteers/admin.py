from django.contrib import admin

from accounts.admin_site import NationalAdminPermissions
from volunteers.models import ConfidentialityDeclaration


@admin.register(ConfidentialityDeclaration)
class ConfidentialityDeclarationAdmin(NationalAdminPermissions, admin.ModelAdmin):
    """A new version means every active volunteer must sign again; coordinators see who has not."""

    list_display = ("version", "valid_from")
    ordering = ("-version",)
