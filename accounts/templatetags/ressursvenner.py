from django import template

from accounts.languages import language_name

register = template.Library()


@register.filter
def language_names(languages) -> str:
    """Language codes (or objects with .code) as names: "norsk, arabisk"."""
    codes = [getattr(language, "code", language) for language in languages]
    return ", ".join(
        language_name(code).lower() if i else language_name(code) for i, code in enumerate(codes)
    )


@register.filter(name="language_name")
def language_name_filter(code: str) -> str:
    return language_name(code)
