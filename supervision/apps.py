from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision groups")

    def ready(self) -> None:
        # Registers the notification kind of this app's reminder rule, and the time she gives
        # to supervision among her hours (volunteers may not import supervision).
        from supervision import reminders, selectors  # noqa: F401
        from volunteers import hooks

        hooks.register_hours(
            hooks.HoursSource(
                name="supervision",
                label=_("Supervision"),
                minutes=selectors.supervision_minutes,
                duration=True,
            )
        )
