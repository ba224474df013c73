from django.contrib import admin

from accounts.admin_site import NationalAdminPermissions
from notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(NationalAdminPermissions, admin.ModelAdmin):
    """Deliveries, to see what failed. Read-only: the text of a sent email is already erased."""

    list_display = ("created_at", "to", "template", "status", "attempts", "last_error", "sent_at")
    list_filter = ("status",)
    search_fields = ("to",)
    fields = (
        "created_at",
        "to",
        "template",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
