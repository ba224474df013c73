from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        # Registers the notification kinds of this app's events and reminder rules.
        from courses import notifications, reminders  # noqa: F401
