"""The change history (django-auditlog) shows that an encrypted field changed, never its text."""

from django.utils.translation import gettext as _


def mask_changed(value: str) -> str:
    return _("(changed)")
