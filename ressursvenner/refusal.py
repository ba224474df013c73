"""The error a production start is refused with (see `_refuse_start` in settings.py)."""

from django.core.exceptions import ImproperlyConfigured


class RefusedStart(ImproperlyConfigured):
    """A required variable is missing or holds a development-only value while DEBUG is off.

    Its message is one line that names the variable; manage.py prints just that line.
    """
