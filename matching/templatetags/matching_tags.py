from collections.abc import Iterable
from datetime import date

from crispy_forms.utils import render_crispy_form
from django import forms, template
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from matching.scoring import PART_LABELS, Part

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


@register.simple_tag
def score_parts(parts: Iterable[Part]) -> SafeString:
    """The parts of a suggestion's score as the items of its list: each a meter (its value, and
    the value to one decimal for a browser without meters), the part's label and the reason.
    Written here rather than by the template, part by part: seven a suggestion, twenty
    suggestions a page."""
    one_decimal: dict[float, str] = {}  # as floatformat:1 writes it, once a value (most are 0 or 1)

    def shown(value: float) -> str:
        if value not in one_decimal:
            one_decimal[value] = floatformat(value, 1)
        return one_decimal[value]

    return format_html_join(
        "\n",
        '<li><meter min="0" max="1" value="{}" aria-label="{}">{}</meter> '
        '<span class="part-label">{}:</span> {}</li>',
        (
            (f"{part.value:.2f}", part.label, shown(part.value), part.label, part.reason)
            for part in parts
        ),
    )


# crispy_blank()'s forms, by class, language, prefix and initial values; a few a day at most.
_BLANK_FORMS: dict[tuple, SafeString] = {}
_BLANK_FORMS_KEPT = 32


@register.simple_tag
def crispy_blank(form: forms.Form) -> SafeString:
    """`{% crispy form %}` for a form whose choices are fixed in the code or come from a
    programme list (the end of a match): written once for its class, language, prefix, initial
    values and the entries its lists offer (a list changed by a national admin is written anew),
    and kept, as long as it is not bound. It is the same on every page it is on, and through
    crispy a long form costs several milliseconds. A bound form (what she typed, with its
    errors) is written afresh."""
    if form.is_bound:
        return render_crispy_form(form)
    lists = {name: getattr(field, "programme_list", None) for name, field in form.fields.items()}
    offered = tuple((name, tuple(p.choices())) for name, p in lists.items() if p is not None)
    key = (type(form), get_language(), form.prefix, tuple(sorted(form.initial.items())), offered)
    if key not in _BLANK_FORMS:
        if len(_BLANK_FORMS) >= _BLANK_FORMS_KEPT:
            _BLANK_FORMS.clear()
        _BLANK_FORMS[key] = render_crispy_form(form)
    return _BLANK_FORMS[key]
