"""Texts that state a rule's number, filled from the one place the number lives.

A rule's number (a threshold in days, a limit) is a constant of the app that owns the rule, or a
setting when an operator may change it; a text that states it is a placeholder filled from there,
so that the text and the rule cannot disagree.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.utils.functional import lazy

if TYPE_CHECKING:  # the stubs are a development tool, not installed on a server
    from django_stubs_ext import StrPromise


def filled(text: "StrPromise", **numbers: int | Callable[[], int]) -> "StrPromise":
    """`text` (a gettext_lazy, or an ngettext_lazy counted by one of the names) with its
    placeholders filled from `numbers` when it is read, in the language active then.

    For a label defined at import time (a choice's label, a form field's label). A number may
    be a function (a setting, read each time). Example::

        filled(ngettext_lazy("No meeting for %(days)s day", "No meeting for %(days)s days",
                             "days"), days=INACTIVE_MATCH_DAYS)
    """

    def fill() -> str:
        return str(text % {name: n() if callable(n) else n for name, n in numbers.items()})

    return cast("StrPromise", lazy(fill, str)())  # a lazy proxy: the stubs see only str
