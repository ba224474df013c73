from datetime import date

from django import template
from django.utils import timezone

from matching.scoring import PART_LABELS

register = template.Library()


@register.filter
def part_label(name: str) -> str:
    """The label of a part of the matching score."""
    return PART_LABELS[name]() if name in PART_LABELS else name


@register.filter
def days_since(day: date | None) -> int | None:
    """Whole days from `day` to today in Oslo (negative when it lies ahead)."""
    if day is None:
        return None
    return (timezone.localdate() - day).days
