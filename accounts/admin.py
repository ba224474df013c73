from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.admin_site import NationalAdminPermissions
from accounts.models import (
    Association,
    County,
    Coverage,
    Invitation,
    Membership,
    Municipality,
    Shelter,
    User,
)


class MembershipInline(NationalAdminPermissions, admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ("role", "association", "shelter", "created_at", "ended_at")
    readonly_fields = ("created_at",)
    extra = 0


@admin.register(User)
class UserAdmin(NationalAdminPermissions, DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("public_id", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password", "public_id")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "phone")}),
        (_("Permissions"), {"fields": ("is_active",)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ()
    list_filter = ("is_active", "memberships__role")
    inlines = (MembershipInline,)
    actions = ("log_out_everywhere",)

    @admin.action(description=_("Log out on every device"))
    def log_out_everywhere(self, request, queryset):
        from accounts.services import sessions_end_all

        for user in queryset:
            sessions_end_all(user=user)
        self.message_user(request, _("They are logged out on every device."))


@admin.register(County)
class CountyAdmin(NationalAdminPermissions, admin.ModelAdmin):
    list_display = ("number", "name")
    search_fields = ("name", "number")

    def has_add_permission(self, request, *args):
        return False  # the register is loaded from accounts/data/

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Municipality)
class MunicipalityAdmin(NationalAdminPermissions, admin.ModelAdmin):
    list_display = ("number", "name", "county", "latitude", "longitude")
    list_filter = ("county",)
    search_fields = ("name", "number")
    list_select_related = ("county",)

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CoverageInline(NationalAdminPermissions, admin.TabularInline):
    model = Coverage
    autocomplete_fields = ("municipality",)
    extra = 1


@admin.register(Association)
class AssociationAdmin(NationalAdminPermissions, admin.ModelAdmin):
    list_display = ("name", "email", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    readonly_fields = ("public_id", "created_at")
    inlines = (CoverageInline,)


@admin.register(Shelter)
class ShelterAdmin(NationalAdminPermissions, admin.ModelAdmin):
    list_display = ("name", "municipality", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    autocomplete_fields = ("municipality",)
    readonly_fields = ("public_id", "created_at")
    list_select_related = ("municipality",)


@admin.register(Invitation)
class InvitationAdmin(NationalAdminPermissions, admin.ModelAdmin):
    """Read-only: invitations are sent and withdrawn from the invitations page."""

    list_display = ("email", "role", "association", "shelter", "created_at", "accepted_at")
    list_filter = ("role",)
    search_fields = ("email",)
    list_select_related = ("association", "shelter")
    exclude = ("token_hash",)
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "token_hash"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
