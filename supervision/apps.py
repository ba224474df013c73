from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision groups")

    def ready(self) -> None:
        # Registers the notification kinds of this app (its reminder rule's, and the invitation
        # to the wellbeing check after a session), and the time she gives to supervision among
        # her hours (volunteers may not import supervision).
        from supervision import notifications, reminders, selectors  # noqa: F401
        from volunteers import hooks

        hooks.register_hours(
            hooks.HoursSource(
                name="supervision",
                label=_("Supervision"),
                minutes=selectors.supervision_minutes,
                duration=True,
            )
        )
