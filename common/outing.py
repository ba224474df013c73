"""THE check for outing words (settings.SENSITIVE_WORDS): words that, read over a shoulder or on
a lock screen, could out someone. One function, used by every app that checks a text (messages
to many, the certificate's course names).

The text is normalised first (Unicode NFKC, unseen characters such as the soft hyphen and
zero-width spaces removed, case folded), and compared twice: as it is, and with every space and
hyphen removed, so «krise senter», «krise-senter» and «krise\u00adsenter» are caught too. The
second comparison is only made for words of SQUEEZED_MIN letters or more: a short word is found
across ordinary words far too often («av oldemor» holds «vold»)."""

import re
import unicodedata

from django.conf import settings

# Soft hyphen, zero-width space, non-joiner and joiner, word joiner, zero-width no-break space.
_UNSEEN = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# Whitespace, underscores and every kind of hyphen or dash.
_GAPS = re.compile(r"[\s_\-\u2010-\u2015\u2212]+")
SQUEEZED_MIN = 8


def normalised(text: str) -> str:
    """`text` in NFKC, without unseen characters, case folded."""
    return unicodedata.normalize("NFKC", text).translate(_UNSEEN).casefold()


def outing_words(text: str) -> list[str]:
    """The words of settings.SENSITIVE_WORDS found in `text`, as listed there (case ignored, as
    part of a word too: "krisesenteret" holds "krisesenter"; spaces, hyphens and unseen
    characters inside a word do not hide it)."""
    plain = normalised(text)
    squeezed = _GAPS.sub("", plain)
    found = []
    for word in settings.SENSITIVE_WORDS:
        wanted = normalised(word)
        joined = _GAPS.sub("", wanted)
        if wanted in plain or (len(joined) >= SQUEEZED_MIN and joined in squeezed):
            found.append(word)
    return found
