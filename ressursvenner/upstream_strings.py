"""Strings from libraries whose Norwegian catalogue lacks them, so that we translate them.

Django 5.2 changed the password-length message to "%d"; its nb catalogue still has the old text.
"""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
)
