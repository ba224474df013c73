from functools import cached_property

from notifications import selectors


class UnreadCounts:
    """The bell: unread in the role she acts in (`here`), and how many wait in her other roles
    (`elsewhere`). One query, and only when a template reads either: a page without the header
    spends none."""

    def __init__(self, request) -> None:
        self._request = request

    @cached_property
    def _counts(self) -> tuple[int, int]:
        request = self._request
        return selectors.unread_counts(
            request.user, getattr(request, "membership", None), getattr(request, "memberships", [])
        )

    @property
    def here(self) -> int:
        return self._counts[0]

    @property
    def elsewhere(self) -> int:
        return self._counts[1]


def unread_notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread": UnreadCounts(request)}
