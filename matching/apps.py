from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Referrals and matches")

    def ready(self) -> None:
        # Registers the notification kinds of this app's events and reminder rules.
        from matching import notifications, reminders  # noqa: F401
