"""Strings from libraries whose Norwegian catalogue lacks them, so that we translate them.

Django 5.2 changed the password-length message to "%d"; its nb catalogue still has the old text.
"""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
)

# django-auditlog has no Norwegian catalogue: its app, model and field names and the columns of
# its admin (the change history, shown to superusers in Django's admin).
from django.utils.translation import gettext_lazy  # noqa: E402

AUDITLOG = (
    gettext_lazy("Audit log"),
    gettext_lazy("log entry"),
    gettext_lazy("log entries"),
    gettext_lazy("content type"),
    gettext_lazy("object pk"),
    gettext_lazy("object id"),
    gettext_lazy("object representation"),
    gettext_lazy("action"),
    gettext_lazy("change message"),
    gettext_lazy("actor"),
    gettext_lazy("Correlation ID"),
    gettext_lazy("remote address"),
    gettext_lazy("remote port"),
    gettext_lazy("timestamp"),
    gettext_lazy("additional data"),
    gettext_lazy("actor email"),
    gettext_lazy("create"),
    gettext_lazy("update"),
    gettext_lazy("delete"),
    gettext_lazy("access"),
    gettext_lazy("Changes"),
    gettext_lazy("Created"),
    gettext_lazy("User"),
    gettext_lazy("Resource"),
    gettext_lazy("Resource Type"),
    gettext_lazy("View"),
    gettext_lazy("Click to filter by records with this correlation id"),
)

# django-allauth's two-step login app (its nb catalogue lacks the app's name).
MFA = (gettext_lazy("MFA"), gettext_lazy("Recovery codes"), gettext_lazy("TOTP Authenticator"))
