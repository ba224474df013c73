"""Texts of Django and allauth whose own Norwegian reads wrongly to a native speaker.

The project's catalogue comes before the libraries' (settings.LOCALE_PATHS), so a text named here
is translated by locale/nb with our wording wherever the library shows it. Naming them here is
what keeps them in the catalogue (`make messages` collects only texts found in our code).
"""

from django.utils.translation import gettext_noop

LIBRARY_TEXTS = (
    # Django's forms: "Feltet er påkrevet." — an officialese passive beside a field she must fill.
    gettext_noop("This field is required."),
    # allauth's password change page: "Endre Passord", with a capital P; we say «Bytt passord».
    gettext_noop("Change Password"),
    gettext_noop("Current Password"),
    gettext_noop("New Password"),
    gettext_noop("New Password (again)"),
)
