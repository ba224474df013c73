from django import template

from matching.scoring import PART_LABELS

register = template.Library()


@register.filter
def part_label(name: str) -> str:
    """The label of a part of the matching score."""
    return PART_LABELS[name]() if name in PART_LABELS else name
