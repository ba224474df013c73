"""The notifications about referrals, matches and concerns (registered when the app is ready).

Each text is the whole message: never an alias, a name or a note (notifications.kinds). In the
app she is logged in already, so where the email says "Log in to see it", the bell says what
there is to do (`in_app_text`). The reminders' kinds are in matching/reminders.py, next to their
rules.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from notifications.kinds import register

NEW_REFERRAL = register(
    "new_referral",
    _("A new referral is waiting for you."),
    group_text=ngettext_lazy("%(count)s new referral", "%(count)s new referrals", "count"),
)
REFERRAL_STATUS = register(
    "referral_status",
    _("A referral from you has a new status."),
    group_text=ngettext_lazy(
        "%(count)s referral from you has a new status",
        "%(count)s referrals from you have a new status",
        "count",
    ),
)
REFERRAL_WITHDRAWN = register(
    "referral_withdrawn",
    _("A referral has been withdrawn."),
    group_text=ngettext_lazy(
        "%(count)s referral has been withdrawn", "%(count)s referrals have been withdrawn", "count"
    ),
)
MATCH_PROPOSED = register(
    "match_proposed",
    _("You have a new task. Log in to see it."),
    in_app_text=_("A proposed match is waiting for your answer."),
)
# What happened to her match, said by kind and never with more: the volunteer's own kinds.
# (match_changed is the older, general one: kept for the notifications already stored.)
MATCH_CHANGED = register(
    "match_changed",
    _("There is news about your match. Log in to see it."),
    in_app_text=_("There is news about your match."),
)
FIRST_MEETING_SET = register(
    "first_meeting_set",
    _("A meeting time has been set. Log in to see it."),
    in_app_text=_("A meeting time has been set."),
)
FIRST_MEETING_MOVED = register(
    "first_meeting_moved",
    _("The meeting time has been changed. Log in to see it."),
    in_app_text=_("The meeting time has been changed."),
)
MATCH_ACTIVE = register(
    "match_active",
    _("The match has started. Log in to see it."),
    in_app_text=_("The match has started."),
)
MATCH_PAUSED = register(
    "match_paused",
    _("The match has been paused. Log in to see it."),
    in_app_text=_("The match has been paused."),
)
MATCH_RESUMED = register(
    "match_resumed",
    _("The match has been resumed. Log in to see it."),
    in_app_text=_("The match has been resumed."),
)
MATCH_ENDED = register(
    "match_ended",
    _("The match has been ended. Log in to see it."),
    in_app_text=_("The match has been ended."),
)
MATCH_CANCELLED = register(
    "match_cancelled",
    _("The proposed match has been cancelled. Log in to see it."),
    in_app_text=_("The proposed match has been cancelled."),
)
MATCH_ACCEPTED = register(
    "match_accepted",
    _("A volunteer has said yes to a proposal. Plan the first meeting."),
    group_text=ngettext_lazy(
        "%(count)s volunteer has said yes to a proposal: plan the first meeting",
        "%(count)s volunteers have said yes to a proposal: plan the first meetings",
        "count",
    ),
)
MATCH_DECLINED = register(
    "match_declined",
    _("A volunteer has said no to a proposal. The referral waits for a volunteer again."),
    group_text=ngettext_lazy(
        "%(count)s volunteer has said no to a proposal: the referral waits again",
        "%(count)s volunteers have said no to a proposal: the referrals wait again",
        "count",
    ),
)
CONCERN = register(
    "concern",
    _("A volunteer has raised a concern. Log in to see it."),
    in_app_text=_("A volunteer has raised a concern. Follow it up."),
    # Never lost among the routine ones: first on her list, one by one, marked as urgent.
    urgent=True,
)
# A follow-up conversation's answers about how the pair is doing were low, or dropped: neutral,
# it says nothing of what was answered.
RELATIONSHIP_ATTENTION = register(
    "relationship_attention",
    _("A follow-up conversation suggests that a match needs attention. Log in to see it."),
    in_app_text=_("A follow-up conversation suggests that a match needs attention."),
)
