from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        # Registers the notification kinds of this app's events and reminder rules.
        from volunteers import notifications, reminders  # noqa: F401
