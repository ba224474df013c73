"""The main menu of each role, in one place. Entries are (url name, label)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

NAVIGATION = {
    Role.NATIONAL_ADMIN: [
        ("home", _("Start")),
        ("statistics", _("Statistics")),
        ("invitation_list", _("Invitations")),
        ("audit_log", _("Access log")),
        # The product's own pages for associations, shelters, people and courses.
        ("natadmin", _("Administration")),
        ("programme_lists", _("Lists")),
        ("gathering_list", _("Gatherings")),
        ("message_list", _("Messages")),
    ],
    Role.COORDINATOR: [
        ("home", _("Start")),
        ("referral_list", _("Referrals")),
        ("match_list", _("Matches")),
        ("volunteer_list", _("Volunteers")),
        ("course_list", _("Courses")),
        ("gathering_list", _("Gatherings")),
        ("group_list", _("Supervision")),
        ("message_list", _("Messages")),
        ("statistics", _("Statistics")),
        ("invitation_list", _("Invitations")),
        ("audit_log", _("Access log")),
    ],
    Role.SHELTER_STAFF: [
        ("home", _("Start")),
        ("referral_create", _("New referral")),
    ],
    Role.VOLUNTEER: [
        ("my_page", _("My page")),
        ("my_match", _("My match")),
        ("my_meetings", _("Meetings")),
        ("my_courses", _("Courses")),
        ("my_profile", _("Profile")),
    ],
    Role.GROUP_LEADER: [
        ("home", _("Start")),
    ],
}


def navigation(request) -> dict:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"nav_items": []}
    items: list[dict[str, Any]] = [
        {"url": reverse(name), "label": label} for name, label in NAVIGATION[membership.role]
    ]
    # The current item is the one whose address is the longest start of this page's address.
    matching = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    current = max(matching, key=lambda item: len(item["url"]), default=None)
    # The help page lives under "My page" but is its own menu entry (the volunteer's help link).
    help_current = request.path == reverse("emergency")
    for item in items:
        item["current"] = item is current and not help_current
    return {"nav_items": items, "nav_help_current": help_current}
