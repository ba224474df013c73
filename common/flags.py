"""Small sets of choices stored as bit flags in one integer column.

Strengths, availability and special considerations are short lists (national admins may extend
some of them within the bits a field holds: accounts/lists.py). As bits they filter
in the database (`F(field).bitand(mask)`), compare in one operation when matching (numpy works
on whole columns), and need no join table.
"""

from collections.abc import Iterable

from django import forms
from django.db import models


def to_mask(values: Iterable[int | str]) -> int:
    mask = 0
    for value in values:
        mask |= int(value)
    return mask


def from_mask(choices: type[models.IntegerChoices], mask: int) -> list[models.IntegerChoices]:
    return [member for member in choices if mask & member.value]


def bits(mask: int) -> list[int]:
    """The bits set in `mask`, lowest first."""
    return [1 << i for i in range(mask.bit_length()) if mask >> i & 1]


def labels(choices: type[models.IntegerChoices], mask: int) -> list[str]:
    return [str(member.label) for member in from_mask(choices, mask)]


class FlagsFormField(forms.TypedMultipleChoiceField):
    """Checkboxes for an IntegerChoices of bit flags (or `choices` of bits); cleans to one
    integer."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, flag_choices: type[models.IntegerChoices] | None = None, **kwargs):
        if flag_choices is not None:
            kwargs["choices"] = flag_choices.choices
        kwargs.setdefault("coerce", int)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return bits(value)
        return value

    def clean(self, value) -> int:
        return to_mask(super().clean(value))

    def has_changed(self, initial, data) -> bool:
        return to_mask(self.prepare_value(initial) or []) != to_mask(data or [])
