"""The kinds of notification, each registered by the app whose event it tells about.

A notification is a kind and a link. The text a person reads comes from the kind alone, so a
notification can never carry a name, a note or any detail of the case: only that there is
something to do, and where. The one thing a text may be filled with is a number of one of the
programme's rules (a reminder's threshold in days), given where the kind is registered; never
anything about a person.

Each app registers its kinds in its own modules: `<app>/notifications.py` for what its services
tell, `<app>/reminders.py` for its reminder rules (next to the rule's threshold and query). Its
AppConfig.ready() imports them, so every kind is known once Django has started. The database
stores the code only: a new kind needs no migration in notifications/. A notification of a kind
nobody registered cannot be made (UnknownKind).

This module imports no domain app: the apps import it.
"""

from collections.abc import Callable, Mapping

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

# Notification.kind's max_length.
CODE_MAX_LENGTH = 40

Numbers = Mapping[str, int] | Callable[[], Mapping[str, int]]


class UnknownKind(ValueError):
    """No app registered a notification kind with this code."""


class NotificationKind(str):
    """A kind: its code (what the database stores, and what it compares equal to) with the texts
    a person reads.

    `text` is what the email says and, unless the kind has an `in_app_text`, what the bell says
    (in the app she is logged in already: where the email says "Log in to see it", the bell can
    say what there is to do). Both are lazy translations; `numbers` fills their placeholders
    (`%(days)s`) when they are read, in the language active then. Made by register() only.
    """

    _text: Promise
    _in_app_text: Promise | None
    _numbers: Numbers | None
    _group_text: Promise | None
    # Urgent: it needs her now (a concern). The list of notifications shows the unread urgent
    # ones first, one by one and marked as urgent; the routine ones are grouped by kind.
    urgent: bool

    def __new__(
        cls,
        code: str,
        text: Promise,
        *,
        in_app_text: Promise | None = None,
        numbers: Numbers | None = None,
        urgent: bool = False,
        group_text: Promise | None = None,
    ) -> "NotificationKind":
        kind = super().__new__(cls, code)
        kind._text, kind._in_app_text, kind._numbers = text, in_app_text, numbers
        kind.urgent, kind._group_text = urgent, group_text
        return kind

    def __reduce__(self):
        # Pickled (a task's arguments, a cached object) as its code, found again on the way back.
        return get, (self.code,)

    @property
    def code(self) -> str:
        return str.__str__(self)

    def numbers(self) -> dict[str, int]:
        """The programme's numbers its texts are filled with (read now: a setting may change)."""
        values = self._numbers() if callable(self._numbers) else self._numbers
        return dict(values or {})

    @property
    def templates(self) -> tuple[Promise, ...]:
        """Its texts before they are filled (for the checks that they can carry no name)."""
        return tuple(t for t in (self._text, self._in_app_text, self._group_text) if t is not None)

    @property
    def text(self) -> str:
        """What the email says, in the active language."""
        return self._filled(self._text)

    @property
    def in_app_text(self) -> str:
        """What the bell and the list of notifications say, in the active language."""
        return self._filled(self._in_app_text or self._text)

    def group_text(self, count: int) -> str:
        """What a group of `count` unread notifications of this kind says ("7 new referrals"):
        the kind's `group_text` (an ngettext_lazy with `%(count)s`), or the count and its text."""
        if self._group_text is not None:
            return str(self._group_text % {**self.numbers(), "count": count})
        return _("%(count)s × %(text)s") % {"count": count, "text": self.in_app_text}

    def _filled(self, text: Promise) -> str:
        numbers = self.numbers()
        # An ngettext_lazy(…, "days") text picks its plural form from numbers["days"] here.
        return str(text % numbers) if numbers else str(text)


_registry: dict[str, NotificationKind] = {}


def register(
    code: str,
    text: Promise,
    *,
    in_app_text: Promise | None = None,
    numbers: Numbers | None = None,
    urgent: bool = False,
    group_text: Promise | None = None,
) -> NotificationKind:
    """Make the kind `code` known, with its neutral text(s); return it (for notify(kind=…)).

    `numbers`: the values of the text's placeholders, a mapping or a function returning one (for
    a setting, read when the text is), each a number of a rule. Never a name or a detail.
    `urgent`: it needs her now, shown first and marked (NotificationKind.urgent).
    `group_text`: an ngettext_lazy with `%(count)s` for a group of them ("7 new referrals").
    """
    if code in _registry:
        raise ImproperlyConfigured(f"The notification kind {code!r} is registered twice.")
    if not code or len(code) > CODE_MAX_LENGTH:
        raise ImproperlyConfigured(
            f"A notification kind's code has 1 to {CODE_MAX_LENGTH} characters: {code!r}."
        )
    kind = NotificationKind(
        code,
        text,
        in_app_text=in_app_text,
        numbers=numbers,
        urgent=urgent,
        group_text=group_text,
    )
    _registry[code] = kind
    return kind


def get(code: str) -> NotificationKind:
    """The registered kind with this code. Raises UnknownKind."""
    try:
        return _registry[str(code)]
    except KeyError:
        raise UnknownKind(f"No app registered the notification kind {code!r}.") from None


def registered() -> list[NotificationKind]:
    """Every registered kind, in the order they were registered."""
    return list(_registry.values())


def urgent_codes() -> list[str]:
    """The codes of the urgent kinds."""
    return [kind.code for kind in _registry.values() if kind.urgent]


def validate_kind(code: str) -> None:
    """Notification.kind's validator (forms, full_clean); save() and bulk_create() use get()."""
    if str(code) not in _registry:
        raise ValidationError("Unknown notification kind.", code="unknown_kind")
