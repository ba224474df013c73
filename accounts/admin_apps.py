from django.contrib.admin.apps import AdminConfig


class NationalAdminConfig(AdminConfig):
    """Django's admin, open only to a superuser acting as national admin, with two steps."""

    default_site = "accounts.admin_site.NationalAdminSite"

    def ready(self) -> None:
        super().ready()
        from auditlog.models import LogEntry
        from django.contrib import admin

        from accounts.admin_labels import name_library_models

        name_library_models()
        # The change history is read on its own page (ressursvenner.audit_views), for the
        # national admin; auditlog's admin would show it unmasked to a superuser, and let her
        # delete entries.
        if admin.site.is_registered(LogEntry):
            admin.site.unregister(LogEntry)
