from django.contrib.admin.apps import AdminConfig


class NationalAdminConfig(AdminConfig):
    """Django's admin, open only to national admins (who log in with two steps)."""

    default_site = "accounts.admin_site.NationalAdminSite"
