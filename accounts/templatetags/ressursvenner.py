from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.languages import language_name

register = template.Library()


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


@register.filter
def sentence_list(labels) -> str:
    """Labels as a list in a sentence: "Jobbsøking, bolig, offentlige tjenester og NAV" (only
    the first letter of each later item is lowered, so NAV stays NAV)."""
    labels = [str(label) for label in labels]
    return ", ".join(label if i == 0 else _lower_first(label) for i, label in enumerate(labels))


@register.filter
def language_names(languages) -> str:
    """Language codes (or objects with .code) as names: "norsk, arabisk" in Norwegian, where
    languages are written in lower case, "Norwegian, Arabic" in English."""
    names = [language_name(getattr(language, "code", language)) for language in languages]
    if get_language() == "en":
        return ", ".join(names)
    return sentence_list(names)


@register.simple_tag
def languages_and_preference(languages, preferred: str) -> str:
    """The languages she speaks, and which she prefers only when that says something more:
    "norsk", not "norsk (foretrekker norsk)"; "norsk, ukrainsk (foretrekker ukrainsk)"."""
    codes = [getattr(language, "code", language) for language in languages]
    names = language_names(codes)
    if not preferred or codes in ([], [preferred]):
        return names or (language_name(preferred) if preferred else "–")
    return _("%(languages)s (prefers %(preferred)s)") % {
        "languages": names,
        "preferred": _lower_first(language_name(preferred))
        if get_language() != "en"
        else language_name(preferred),
    }


@register.filter(name="language_name")
def language_name_filter(code: str) -> str:
    return language_name(code)


def _phone_number(value):
    from phonenumber_field.phonenumber import to_python

    if not value:
        return None
    return to_python(value, region="NO")


@register.filter
def phone(value) -> str:
    """A phone number as people read it: a Norwegian number in national format (22 00 10 00),
    another with its country code; a stored value that is not a valid number, as typed."""
    number = _phone_number(value)
    if number is None:
        return ""
    if not number.is_valid():
        return number.raw_input
    return number.as_national if number.country_code == 47 else number.as_international


@register.filter
def tel(value) -> str:
    """The number for a tel: link: E.164, or the digits of a value that is not a valid number."""
    number = _phone_number(value)
    if number is None:
        return ""
    if number.is_valid():
        return number.as_e164
    raw = number.raw_input.strip()
    return ("+" if raw.startswith("+") else "") + "".join(c for c in raw if c.isdigit())
