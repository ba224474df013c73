from django.contrib.admin.apps import AdminConfig


class NationalAdminConfig(AdminConfig):
    """Django's admin, open only to national admins (who log in with two steps)."""

    default_site = "accounts.admin_site.NationalAdminSite"

    def ready(self) -> None:
        super().ready()
        from accounts.admin_labels import name_library_models

        name_library_models()
