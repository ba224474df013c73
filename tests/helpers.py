"""Small helpers shared by the tests: assertions about pages, and a match lived through."""

import logging
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


# --- The project's log, as it would be written ----------------------------------------------------

# Test-data builders log their arguments at DEBUG; they are not part of the application.
TOOLING_LOGGERS = ("factory", "faker")


class ProjectLog:
    """While open, everything the project's logging writes goes also to `stream`: every logger
    at DEBUG, through the project's formatter and filters (settings.LOGGING, redaction
    included), and the live server's request lines as runserver writes them (the test server
    keeps quiet otherwise). The project's own handler keeps its level. `formatter` replaces the
    project's formatter (common.logging.JsonFormatter() for the production format)."""

    def __init__(self, stream, level: int = logging.DEBUG, formatter=None):
        self.stream, self.level, self.formatter = stream, level, formatter

    def __enter__(self):
        from django.core.servers.basehttp import WSGIRequestHandler
        from django.test.testcases import QuietWSGIRequestHandler

        from common.logging import RedactSecretsFilter

        root = logging.getLogger()
        projects = [
            h for h in root.handlers if any(isinstance(f, RedactSecretsFilter) for f in h.filters)
        ]
        assert projects, "settings.LOGGING's handler with the redaction filter is not installed"
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(self.formatter or projects[0].formatter)
        for log_filter in projects[0].filters:
            self.handler.addFilter(log_filter)
        self.handler.addFilter(lambda record: not record.name.startswith(TOOLING_LOGGERS))
        loggers = [root] + [
            logger
            for logger in logging.root.manager.loggerDict.values()
            if isinstance(logger, logging.Logger)
        ]
        self.levels = {logger: logger.level for logger in loggers}
        self.handler_levels = {h: h.level for h in projects}
        for handler in projects:
            handler.setLevel(max(handler.level, root.getEffectiveLevel()))
        for logger in loggers:
            if logger.level > self.level or logger is root:
                logger.setLevel(self.level)
        # Loggers that do not pass their records up get the handler themselves.
        self.attached = [root] + [
            logger for logger in loggers[1:] if not logger.propagate and logger.handlers
        ]
        for logger in self.attached:
            logger.addHandler(self.handler)
        self.quiet = QuietWSGIRequestHandler.__dict__.get("log_message")
        QuietWSGIRequestHandler.log_message = WSGIRequestHandler.log_message
        return self

    def __exit__(self, *exc):
        from django.test.testcases import QuietWSGIRequestHandler

        if self.quiet is not None:
            QuietWSGIRequestHandler.log_message = self.quiet
        for logger in self.attached:
            logger.removeHandler(self.handler)
        for logger, level in self.levels.items():
            logger.setLevel(level)
        for handler, level in self.handler_levels.items():
            handler.setLevel(level)
        self.handler.flush()
