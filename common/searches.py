"""Searches whose text stays out of the address.

What a coordinator types into a search box is often a name, an email address or a phone
number. In a query string (`?q=Selam`) it would land in the access logs of every proxy and
server on the way, and in the browser's history. So a search box posts its text; the text is
kept in her session under a random id, and the address carries only that id (`?sok=<id>`),
next to the filters that are codes (a status, a municipality id). Reloading, going back, paging
and sorting keep working because the address still names the search; the id means nothing
outside her session, and the text goes when the session ends or after `LIFETIME`.

Why not show the results in the answer to the POST: reloading or going back would ask to send
the form again, and paging and sorting links could not carry the search.
"""

import secrets
import time

PARAM = "sok"
SESSION_KEY = "searches"
LIFETIME = 60 * 60  # seconds; the session usually ends long before (idle logout)
KEPT = 20  # a session keeps at most this many searches, the newest


def search_keep(request, text: str) -> str:
    """Keep `text` in the session and return the id the address may carry instead."""
    now = int(time.time())
    kept = {
        search_id: entry
        for search_id, entry in request.session.get(SESSION_KEY, {}).items()
        if now - entry[1] <= LIFETIME
    }
    # The same text again keeps its id: another tab showing it still works.
    search_id = next((i for i, entry in kept.items() if entry[0] == text), None)
    search_id = search_id or secrets.token_urlsafe(9)
    kept[search_id] = [text, now]
    request.session[SESSION_KEY] = dict(sorted(kept.items(), key=lambda item: item[1][1])[-KEPT:])
    return search_id


def search_text(request, search_id: str | None) -> str | None:
    """The text kept under `search_id`; None when there is none (unknown, expired, or another
    session's). Reads the session only: showing a search writes nothing."""
    entry = request.session.get(SESSION_KEY, {}).get(search_id or "")
    if entry is None or time.time() - entry[1] > LIFETIME:
        return None
    return entry[0]
