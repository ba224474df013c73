"""The programme's lists: needs and strengths, special considerations, meeting activities and
the reasons a match or a commitment ended.

Each list is written in code by the app that owns the data (`register()` next to its choices:
volunteers' Strength, matching's Activity, ...), and national admins change it on their own
pages (`/lister/`): the Norwegian and English names, the order, whether an entry is offered,
and, where the list allows it, new entries. What they changed is a `ListEntry` row; an entry
nobody changed is the code's choice, named by its translations. The value a record stores (a
bit of a flags field, or a code) never changes, so old records keep their meaning, and an entry
is deactivated, never deleted: a form no longer offers it (unless the record being edited has
it), every page still names it.

Never remove a choice from the code: records that store it would lose its name (deactivate it
on the page instead). A new entry is possible only in a flags list (the next free bit): a list of
codes (the end reasons) is counted reason by reason by the statistics, so its entries are the
code's.

Reads: every list's rows come from the cache (one query when it is empty), kept for the length
of a request by `ListsMiddleware`, so a page of 50 records reads them once. A change clears the
cache (services.list_entry_*), on commit too.
"""

from collections.abc import Callable, Iterable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.cache import cache
from django.db import models, transaction
from django.utils import translation
from django.utils.functional import Promise

from common.flags import FlagsFormField, bits

# A flags list is stored in a PositiveSmallIntegerField (PostgreSQL's smallint, never
# negative): bits 1 … 2**14, so 15 entries at most, deactivated ones included.
MAX_FLAGS = 15

CACHE_KEY = "rv:programme-lists:1"
# A change clears the cache at once; this only bounds how long a read that raced a change
# could keep the old names.
CACHE_SECONDS = 10 * 60

_request_memo: ContextVar[dict | None] = ContextVar("programme_lists", default=None)


@dataclass(frozen=True)
class Entry:
    value: Any  # int (a bit) or str (a code)
    name_nb: str
    name_en: str
    position: int
    active: bool
    changed: bool = False  # a row holds it (a national admin changed or added it)

    @property
    def name(self) -> str:
        """The name in the language of the page."""
        language = (translation.get_language() or "nb").split("-")[0]
        return self.name_en if language == "en" else self.name_nb

    def __str__(self) -> str:
        return self.name


class ProgrammeList:
    """One list: its key (stored with each row), the slug of its page, its title and what it is
    for, the code's choices it starts from, and whether entries can be added."""

    def __init__(
        self,
        *,
        key: str,
        slug: str,
        order: int,
        title: Promise,
        description: Promise,
        choices: type[models.IntegerChoices] | type[models.TextChoices],
        can_add: bool,
        no_add_reason: Promise | None = None,
        not_offered: Iterable[Any] = (),
        always_active: Iterable[Any] = (),
    ):
        self.key, self.slug, self.order = key, slug, order
        self.title, self.description = title, description
        self.choices_class = choices
        self.flags = issubclass(choices, models.IntegerChoices)
        self.can_add = can_add
        self.no_add_reason = no_add_reason
        # Values the system sets itself and no form offers (a renewal ends a commitment).
        self.not_offered = frozenset(not_offered)
        # Values a rule depends on (a consideration that calls for a specialisation course): they
        # may be renamed and moved, never deactivated, or the rule would silently stop applying.
        self.always_active = frozenset(always_active)
        self._defaults: list[Entry] | None = None
        if can_add and not self.flags:
            raise ValueError("Only a flags list takes new entries (a new bit).")

    def __repr__(self) -> str:
        return f"<ProgrammeList {self.key}>"

    # --- reading ------------------------------------------------------------------------------

    def defaults(self) -> list[Entry]:
        """The code's choices, named by their translations (built once per process)."""
        if self._defaults is None:
            names = {}
            for language in ("nb", "en"):
                with translation.override(language):
                    names[language] = [str(label) for label in self.choices_class.labels]
            self._defaults = [
                Entry(value, nb, en, position, True)
                for position, (value, nb, en) in enumerate(
                    zip(self.choices_class.values, names["nb"], names["en"], strict=True)
                )
            ]
        return self._defaults

    def to_value(self, text: str) -> Any:
        return int(text) if self.flags else text

    def entries(self) -> list[Entry]:
        """Every entry, active or not, in the list's order."""
        memo = _request_memo.get()
        if memo is not None and self.key in memo:
            return memo[self.key]
        merged = {entry.value: entry for entry in self.defaults()}
        for value, (name_nb, name_en, position, active) in _rows().get(self.key, {}).items():
            value = self.to_value(value)
            merged[value] = Entry(value, name_nb, name_en, position, active, changed=True)
        result = sorted(merged.values(), key=lambda e: (e.position, str(e.value)))
        if memo is not None:
            memo[self.key] = result
        return result

    def entry(self, value: Any) -> Entry | None:
        return next((e for e in self.entries() if e.value == value), None)

    def active(self) -> list[Entry]:
        return [e for e in self.entries() if e.active]

    def name(self, value: Any) -> str:
        """The name of a stored code ("" for none; the code itself if no entry has it)."""
        if value in (None, ""):
            return ""
        entry = self.entry(value)
        return entry.name if entry else str(value)

    def selected(self, mask: int) -> list[Entry]:
        """The entries whose bits are set in `mask`, in the list's order (deactivated too)."""
        return [e for e in self.entries() if mask & e.value]

    def labels(self, mask: int) -> list[str]:
        return [e.name for e in self.selected(mask or 0)]

    def choices(self, keep: Any = None) -> list[tuple[Any, str]]:
        """What a form offers: the active entries in order, and those `keep` has (the value of
        the record being edited), so that editing a record never drops a deactivated entry."""
        if self.flags:
            kept = set(bits(keep)) if isinstance(keep, int) else set()
        else:
            kept = {keep} if keep else set()
        return [
            (e.value, e.name)
            for e in self.entries()
            if (e.active and e.value not in self.not_offered) or e.value in kept
        ]

    def next_value(self) -> int | None:
        """A new flags entry's bit: the lowest one no entry has (None when all are taken)."""
        taken = {e.value for e in self.entries()}
        return next((1 << i for i in range(MAX_FLAGS) if 1 << i not in taken), None)

    def is_full(self) -> bool:
        return self.flags and self.next_value() is None


_registry: dict[str, ProgrammeList] = {}


def register(**kwargs) -> ProgrammeList:
    """Make a list editable (called at import by the app that owns the choices)."""
    programme_list = ProgrammeList(**kwargs)
    _registry[programme_list.key] = programme_list
    return programme_list


def registered() -> list[ProgrammeList]:
    return sorted(_registry.values(), key=lambda p: p.order)


def by_slug(slug: str) -> ProgrammeList | None:
    return next((p for p in _registry.values() if p.slug == slug), None)


# --- the rows, cached ------------------------------------------------------------------------


def _rows() -> dict[str, dict[str, tuple[str, str, int, bool]]]:
    memo = _request_memo.get()
    if memo is not None and "_rows" in memo:
        return memo["_rows"]
    try:
        rows = cache.get(CACHE_KEY)
    except Exception:  # a cache that is down costs a query, never the page
        rows = None
    if rows is None:
        from accounts.models import ListEntry

        rows = {}
        for row in ListEntry.objects.values_list(
            "list_key", "value", "name_nb", "name_en", "position", "active"
        ):
            rows.setdefault(row[0], {})[row[1]] = row[2:]
        with suppress(Exception):
            cache.set(CACHE_KEY, rows, CACHE_SECONDS)
    if memo is not None:
        memo["_rows"] = rows
    return rows


def forget() -> None:
    """After a change: the next read (here and in every process) asks the database."""

    def clear() -> None:
        with suppress(Exception):
            cache.delete(CACHE_KEY)

    clear()
    transaction.on_commit(clear)
    memo = _request_memo.get()
    if memo is not None:
        memo.clear()


class ListsMiddleware:
    """Reads the lists at most once per request (each record's labels ask them again)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)


# --- form fields -----------------------------------------------------------------------------


def _offer(programme_list: ProgrammeList) -> Callable[[], list[tuple[Any, str]]]:
    return lambda: programme_list.choices()


class ListFlagsField(FlagsFormField):
    """Checkboxes of a flags list: the active entries, in order, named in the page's language,
    and the deactivated ones the record being edited has."""

    def __init__(self, *, programme_list: ProgrammeList, **kwargs):
        self.programme_list = programme_list
        super().__init__(choices=_offer(programme_list), **kwargs)

    def get_bound_field(self, form, field_name):
        keep = form.get_initial_for_field(self, field_name)
        self.choices = self.programme_list.choices(keep=keep if isinstance(keep, int) else None)
        return super().get_bound_field(form, field_name)


class ListChoiceField(forms.ChoiceField):
    """One entry of a list of codes (a reason), offered as ListFlagsField offers."""

    def __init__(self, *, programme_list: ProgrammeList, **kwargs):
        self.programme_list = programme_list
        super().__init__(choices=_offer(programme_list), **kwargs)

    def get_bound_field(self, form, field_name):
        keep = form.get_initial_for_field(self, field_name)
        self.choices = self.programme_list.choices(keep=keep)
        return super().get_bound_field(form, field_name)
