"""Languages a volunteer or a woman may speak: ISO 639 codes with names, Norwegian and English
first (ISO 639-1 where it has one; ISO 639-3 for Dari, Kurmanji and Sorani)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LANGUAGES: list[tuple[str, str | Promise]] = [
    ("no", _("Norwegian")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("so", _("Somali")),
    ("ti", _("Tigrinya")),
    ("pl", _("Polish")),
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
    ("ur", _("Urdu")),
    ("fa", _("Persian")),
    ("prs", _("Dari")),
    ("ps", _("Pashto")),
    ("kmr", _("Kurdish (Kurmanji)")),
    ("ckb", _("Kurdish (Sorani)")),
    ("tr", _("Turkish")),
    ("am", _("Amharic")),
    ("sw", _("Swahili")),
    ("lt", _("Lithuanian")),
    ("ro", _("Romanian")),
    ("bs", _("Bosnian")),
    ("hr", _("Croatian")),
    ("sr", _("Serbian")),
    ("sq", _("Albanian")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
    ("de", _("German")),
    ("it", _("Italian")),
    ("sv", _("Swedish")),
    ("da", _("Danish")),
    ("fi", _("Finnish")),
    ("se", _("Northern Sami")),
    ("ta", _("Tamil")),
    ("hi", _("Hindi")),
    ("pa", _("Punjabi")),
    ("bn", _("Bengali")),
    ("vi", _("Vietnamese")),
    ("th", _("Thai")),
    ("tl", _("Tagalog")),
    ("my", _("Burmese")),
    ("zh", _("Chinese")),
]
COMMON = ("no", "en", "ar", "so", "ti", "pl", "uk", "ur")
NAMES = dict(LANGUAGES)


def language_name(code: str) -> str:
    return str(NAMES.get(code, code))
