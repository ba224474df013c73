"""Small helpers shared by the tests: assertions about pages, and a match lived through."""

import re

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)
OTHER_ORIGIN = re.compile(r"""(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)


def assert_no_inline_code(html: str) -> None:
    """The content security policy forbids inline script and style; pages must not need them."""
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html).group(0)
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html).group(0)


def assert_nothing_from_other_origins(html: str) -> None:
    match = OTHER_ORIGIN.search(html)
    assert match is None, match.group(0) if match else ""


def live_a_match(*, referral, volunteer, coordinator, note: str = "", concern: str = ""):
    """A referral's road through the services, as people take it: the coordinator takes it and
    proposes the volunteer, she confirms the conflict check, the first meeting is planned and
    held (the match is active), and she logs a meeting, with a worry if `concern`."""
    from django.utils import timezone

    from matching import services as matching

    matching.referral_take(referral=referral, by=coordinator)
    match = matching.match_propose(referral=referral, volunteer=volunteer, by=coordinator)
    matching.match_confirm_conflict_check(match=match, by=volunteer.user)
    matching.match_plan_first_meeting(
        match=match, at=timezone.now(), place="Et sted", by=coordinator
    )
    matching.match_activate(match=match, started_on=timezone.localdate(), by=coordinator)
    matching.meeting_log(
        match=match,
        by=volunteer.user,
        day=timezone.localdate(),
        met=True,
        minutes=30,
        activities=1,
        note=note,
        concern=concern,
    )
    return match
