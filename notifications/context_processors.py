from notifications import selectors


def unread_notifications(request) -> dict:
    """The bell: unread in the role she acts in, and how many wait in her other roles (one
    query, however many notifications and roles she has)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    here, elsewhere = selectors.unread_counts(
        user, getattr(request, "membership", None), getattr(request, "memberships", [])
    )
    return {"unread_notifications": here, "unread_elsewhere": elsewhere}
