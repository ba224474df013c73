from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision groups")

    def ready(self) -> None:
        # Registers the notification kind of this app's reminder rule.
        from supervision import reminders  # noqa: F401
