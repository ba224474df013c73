from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Referrals and matches")

    def ready(self) -> None:
        # Registers the notification kinds of this app's events and reminder rules.
        # volunteers may not import matching: it learns about matches through its hooks.
        from matching import notifications, reminders, selectors  # noqa: F401
        from volunteers import hooks

        hooks.register(
            hooks.MatchSource(
                open_matches=selectors.volunteer_open_matches,
                volunteers_with_open_matches=selectors.volunteers_with_open_matches,
                matches_shown=selectors.volunteer_matches,
            )
        )
        hooks.register_hours(
            hooks.HoursSource(
                name="meetings", label=_("Meetings"), minutes=selectors.meeting_minutes
            )
        )
