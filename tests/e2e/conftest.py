"""Browser tests in Debian's Chromium, driven by Playwright, against the live server.

A journey opens one browser window per person (`people`), clicks and types as she would, and
finds buttons and links by the words she reads, in the language of the run (`Words`). Every
page a window shows is checked (`Checker`): axe-core finds no serious or critical WCAG 2.1 A or
AA violation, the console logs no error, and no request leaves the test server.

Everything the application logs while they run (every logger at DEBUG, through the project's
formatter and redaction filter, and the live server's request lines) is kept, in the text format
and in production's JSON format, and at the end of the run must hold none of the names, email
addresses, phone numbers, aliases and notes the journeys created (`RunLog`); every JSON line must
parse and carry the request id, role and user fields. All are written to e2e-screenshots/
(log.txt, log.jsonl, log-values.txt).

Run them alone with `pytest -m e2e`; UPDATE_SCREENSHOTS=1 also refreshes docs/screenshots/.
"""

import io
import os
import re
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone, translation

from matching import services

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make for
# setting up and for checking afterwards are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from common.logging import JsonFormatter
from tests.helpers import ProjectLog
from tests.matching.conftest import make_referral, make_volunteer  # noqa: F401 (fixtures)

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "e2e-screenshots"  # git-ignored; pytest-playwright empties test-results/
DOC_SCREENSHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not shutil.which(CHROMIUM) and not os.environ.get("E2E_REQUIRED"):
                item.add_marker(
                    pytest.mark.skip(
                        reason="Debian's chromium is not installed (.ci/run installs it)"
                    )
                )


@pytest.fixture(scope="session", autouse=True)
def _serialized_rollback_under_playwright(django_db_setup, django_db_blocker):
    """Keep serialized_rollback working once Playwright has started.

    Playwright's sync API runs the rest of the session in a context of its own, where Django's
    connection handler makes new connection objects, and those lack the copy of the reference
    data taken when the test database was created: a journey that ran after another
    transactional test then found no municipalities. This fixture runs before the browser
    starts and hands that copy to every connection made later.
    """
    from django.db import connections

    contents = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    create_connection = connections.create_connection

    def create_connection_with_contents(alias):
        connection = create_connection(alias)
        if alias in contents:
            connection._test_serialized_contents = contents[alias]
        return connection

    connections.create_connection = create_connection_with_contents
    yield
    connections.create_connection = create_connection


# --- The log of the run: no personal data in it -----------------------------------------------

LOG = SCREENSHOTS / "log.txt"
JSON_LOG = SCREENSHOTS / "log.jsonl"
# What every line of the JSON log carries (common/logging.py, common/logcontext.py).
JSON_FIELDS = {"time", "level", "logger", "message", "request_id", "role", "user"}

# The fields that hold a person's data (and the one secret stored in clear, a calendar feed's
# token), by model: every value saved into one of them during the run is looked for in the log.
PERSONAL_FIELDS = {
    "courses.calendarfeed": ("token",),
    "accounts.user": ("email", "first_name", "last_name", "phone"),
    "accounts.invitation": ("email", "first_name", "last_name"),
    "volunteers.volunteer": (
        "first_name",
        "last_name",
        "email",
        "phone",
        "motivation",
        "status_reason",
        "interview_note",
    ),
    "volunteers.commitmentperiod": ("end_note",),
    "matching.referral": ("alias", "phone", "wishes", "safety_notes"),
    "matching.referralevent": ("reason",),
    "matching.match": ("first_meeting_place", "end_note"),
    "matching.meeting": ("note",),
    "matching.concern": ("text", "follow_up_note"),
    "matching.followup": ("note",),
    "notifications.outboxmessage": ("to",),
}
SHORTEST = 4  # shorter values ("Ola", "nei") would be found in words that are not hers


class RunLog:
    """What the application logged during the run, and the personal values the run created."""

    def __init__(self):
        self.stream = io.StringIO()
        self.json_stream = io.StringIO()  # the same records in production's JSON format
        self.values: set[str] = set()

    def remember(self, sender, instance, **kwargs) -> None:
        for name in PERSONAL_FIELDS.get(sender._meta.label_lower, ()):
            value = getattr(instance, name, None)
            if isinstance(value, str) or (value and hasattr(value, "as_e164")):
                self.add(str(value))

    def add(self, value: str) -> None:
        value = value.strip()
        if len(value) < SHORTEST:
            return
        self.values.add(value)
        compact = value.replace(" ", "")
        digits = compact[3:]
        if compact.startswith("+47") and len(digits) == 8 and digits.isdigit():
            # A phone number in the ways it is written.
            self.values |= {
                compact,
                digits,
                f"{digits[:3]} {digits[3:5]} {digits[5:]}",
                " ".join(digits[i : i + 2] for i in range(0, 8, 2)),
            }

    def json_lines(self) -> tuple[list[dict], list[str]]:
        """The JSON log's lines, parsed, and what is wrong with any of them."""
        import json

        lines, problems = [], []
        for number, line in enumerate(self.json_stream.getvalue().splitlines(), 1):
            try:
                parsed = json.loads(line)
            except ValueError:
                problems.append(f"log.jsonl line {number} is not JSON: {line[:200]}")
                continue
            if not isinstance(parsed, dict) or not parsed.keys() >= JSON_FIELDS:
                problems.append(f"log.jsonl line {number} lacks {JSON_FIELDS}: {line[:200]}")
                continue
            lines.append(parsed)
        return lines, problems

    def hits(self, text: str | None = None) -> list[str]:
        from urllib.parse import quote, quote_plus

        text = self.stream.getvalue() if text is None else text
        found = []
        for value in sorted(self.values):
            for form in {value, quote(value), quote_plus(value)}:
                pattern = rf"(?<![\w]){re.escape(form)}(?![\w])"
                for match in re.finditer(pattern, text, re.IGNORECASE):
                    line = text[text.rfind("\n", 0, match.start()) + 1 : match.end() + 80]
                    found.append(f"{value!r}: {line.splitlines()[0]}")
                    break
        return found


@pytest.fixture(scope="session", autouse=True)
def _log_of_the_run(request):
    """Keeps the log of the run (see RunLog); pytest_sessionfinish below judges it."""
    from django.db.models.signals import post_save

    run = RunLog()
    post_save.connect(run.remember, weak=False, dispatch_uid="e2e-personal-values")
    try:
        with ProjectLog(run.stream), ProjectLog(run.json_stream, formatter=JsonFormatter()):
            yield run
    finally:
        post_save.disconnect(dispatch_uid="e2e-personal-values")
        request.config.stash[RUN_LOG] = run


RUN_LOG = pytest.StashKey[RunLog]()
LOG_HITS = pytest.StashKey[list]()


def pytest_sessionfinish(session, exitstatus):
    """The run fails when the log holds any personal value it created (or holds nothing at
    all, which would mean the capture is broken)."""
    run = session.config.stash.get(RUN_LOG, None)
    if run is None:  # no journey ran
        return
    text = run.stream.getvalue()
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text(text)
    LOG.with_name("log-values.txt").write_text("".join(f"{v}\n" for v in sorted(run.values)))
    hits = run.hits()
    if '"GET / HTTP/1.1" 200' not in text:
        hits.append("the log of the run holds no request line: is the capture working?")
    # The JSON log: every line parses and carries the fields; its values, decoded, hold no
    # personal value either.
    JSON_LOG.write_text(run.json_stream.getvalue())
    json_lines, problems = run.json_lines()
    hits += problems
    decoded = "\n".join(" ".join(str(value) for value in line.values()) for line in json_lines)
    hits += [f"(log.jsonl) {hit}" for hit in run.hits(decoded)]
    if not any('"GET / HTTP/1.1" 200' in line["message"] for line in json_lines):
        hits.append("the JSON log of the run holds no request line: is the capture working?")
    session.config.stash[LOG_HITS] = hits
    if hits:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    hits = config.stash.get(LOG_HITS, None)
    if hits is None:
        return
    run = config.stash[RUN_LOG]
    if hits:
        terminalreporter.section("personal data in the log of the run", sep="!", red=True)
        for hit in hits:
            terminalreporter.line(hit, red=True)
        terminalreporter.line(f"(the whole log: {LOG})")
    else:
        terminalreporter.line(
            f"log of the run: none of {len(run.values)} personal values in "
            f"{len(run.stream.getvalue().splitlines())} lines ({LOG}), nor in "
            f"{len(run.json_stream.getvalue().splitlines())} JSON lines ({JSON_LOG})"
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# --- Words: the interface's own strings, in the language of the run --------------------------


class Words:
    """`words("Save interview")` is what the button says in this run's language.

    The journeys look for the same msgids the templates use, translated through the same
    catalogue, so a Norwegian run proves the Norwegian words are on the page.
    """

    def __init__(self, language: str):
        self.language = language

    def __call__(self, msgid: str, context: str | None = None) -> str:
        with translation.override(self.language):
            if context:
                return str(translation.pgettext(context, msgid))
            return str(translation.gettext(msgid))

    def plural(self, singular: str, plural: str, n: int) -> str:
        with translation.override(self.language):
            return str(translation.ngettext(singular, plural, n))

    def exact(self, msgid: str, context: str | None = None) -> re.Pattern:
        """A pattern matching the whole accessible name (for get_by_role(name=...))."""
        return re.compile(rf"^\s*{re.escape(self(msgid, context))}\s*$")

    def field(self, msgid: str, context: str | None = None) -> re.Pattern:
        """A field's whole label, with or without the asterisk of a required field."""
        return re.compile(rf"^\s*{re.escape(self(msgid, context))}\s*\*?\s*$")


@pytest.fixture(params=["nb", "en"])
def language(request):
    return request.param


@pytest.fixture
def words(language):
    return Words(language)


# --- Checker: axe, console and foreign requests on every page shown --------------------------


def page_key(url: str) -> str:
    """A page's address without its query and with ids replaced: one axe run per kind of page."""
    path = re.sub(r"^https?://[^/]+", "", url).split("?")[0].split("#")[0]
    return UUID.sub("<id>", path)


class Checker:
    """Watches every window of a journey.

    `arrived(page)` is called once a page has settled (after a click that navigates, or after a
    change on the page worth checking): it runs axe once per kind of page. At the end,
    `assert_clean()` fails on any serious or critical axe violation, any console error, any
    request to a host other than the test server, and any page shown that axe never checked.
    """

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.violations: list[str] = []
        self.shown: set[str] = set()
        self.checked: set[str] = set()  # page keys, and the variants axe has run on

    def watch(self, page) -> None:
        def on_console(message):
            if message.type == "error":
                self.console_errors.append(f"{page_key(page.url)}: {message.text}")

        def on_request(request):
            if not request.url.startswith((self.base_url, "data:", "about:", "blob:")):
                self.foreign_requests.append(request.url)

        def on_navigated(frame):
            if frame == page.main_frame and frame.url.startswith(self.base_url):
                self.shown.add(page_key(frame.url))

        page.on("console", on_console)
        page.on(
            "pageerror", lambda error: self.console_errors.append(f"{page_key(page.url)}: {error}")
        )
        page.on("request", on_request)
        page.on("framenavigated", on_navigated)

    def arrived(self, page, *, state: str = "") -> None:
        """Check the page now shown with axe (once per kind of page and state)."""
        from axe_playwright_python.sync_playwright import Axe

        page.wait_for_load_state("load")
        key = page_key(page.url)
        # The same address can be different pages: "/" is the landing page, or a start page
        # whose menu tells whose it is.
        menu = page.evaluate(
            "() => [...document.querySelectorAll('.site-nav a')].map((a) => a.pathname).join(' ')"
        )
        variant = f"{key} [{menu}] {state}"
        if variant in self.checked:
            return
        self.checked.update({variant, key})
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:3])
                self.violations.append(
                    f"{key}{state}: {violation['id']} ({violation['impact']}): "
                    f"{violation['help']} – {targets}"
                )

    def assert_clean(self) -> None:
        assert self.violations == [], "axe:\n" + "\n".join(self.violations)
        assert self.console_errors == [], "console:\n" + "\n".join(self.console_errors)
        assert self.foreign_requests == [], f"requests to other hosts: {self.foreign_requests}"
        unchecked = self.shown - self.checked
        assert not unchecked, f"pages shown but never checked with axe: {sorted(unchecked)}"


@pytest.fixture
def checker(live_server):
    checker = Checker(live_server.url)
    yield checker
    checker.assert_clean()


# --- People: one browser window each ----------------------------------------------------------


@pytest.fixture
def people(browser, live_server, checker):
    """`people(language, phone=False)` opens a window on the start page in that language.

    Each person has her own window (her own cookies), as on her own computer or phone. English
    is chosen with the language switch in the header, as a person would.
    """
    contexts = []

    def open_window(language: str = "nb", *, phone: bool = False):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            locale="nb-NO" if language == "nb" else "en-GB",
            timezone_id="Europe/Oslo",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        checker.watch(page)
        page.goto("/")
        if language == "en":
            page.locator(".language-switch button[value=en]").click()
            page.wait_for_selector("html[lang=en]")
        checker.arrived(page)
        return page

    yield open_window
    for context in contexts:
        context.close()


@pytest.fixture
def active_match(oslo, coordinator_oslo, volunteer_oslo, make_volunteer, make_referral):
    """Nora and Amina, matched two months ago (set up through the services)."""
    nora = make_volunteer(oslo, user=volunteer_oslo, first_name="Nora")
    referral = make_referral(oslo, alias="Amina")
    match = services.match_propose(referral=referral, volunteer=nora, by=coordinator_oslo)
    services.match_confirm_conflict_check(match=match, by=volunteer_oslo)
    started = timezone.now() - timedelta(days=60)
    services.match_plan_first_meeting(
        match=match, at=started, place="Krisesenteret", by=coordinator_oslo
    )
    return services.match_activate(
        match=match, started_on=timezone.localdate(started), by=coordinator_oslo
    )


def totp_code(secret: str) -> str:
    """The code her authenticator app shows now. A code works once: when the last one given
    for this secret is still showing, wait for the app's next one, as she would."""
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    if _LAST_CODE.get(secret) == code:
        time.sleep(30 - time.time() % 30 + 0.2)
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    _LAST_CODE[secret] = code
    return code


_LAST_CODE: dict[str, str] = {}


def log_in(page, checker, words, user, password: str) -> None:
    """Log in from the start page as she would: the login page, then her app's code if asked."""
    page.get_by_role("link", name=words.exact("Log in")).first.click()
    page.wait_for_url("**/logg-inn/**")
    checker.arrived(page)
    page.get_by_label(words("Email")).fill(user.email)
    page.get_by_label(words("Password")).fill(password)
    page.locator("main").get_by_role("button", name=words.exact("Log in")).click()
    page.wait_for_load_state("load")
    if "/totrinn/bekreft/" in page.url:
        checker.arrived(page)
        page.get_by_label(words("Code")).fill(totp_code(user.totp_secret))
        page.locator("main").get_by_role("button", name=words.exact("Log in")).click()
        page.wait_for_load_state("load")
    assert "/logg-inn/" not in page.url and "/totrinn/" not in page.url, page.url
    checker.arrived(page)


def confirm_password_if_asked(page, checker, words, password: str) -> None:
    """A change to how she logs in asks for her password first (allauth's reauthentication)."""
    page.wait_for_load_state("load")
    if "/konto/bekreft-passord/" in page.url:
        checker.arrived(page)
        page.get_by_label(words("Password")).fill(password)
        page.locator("main").get_by_role("button").first.click()


def shoot(page, name: str, *, docs: bool = False) -> None:
    """PNGs of the page at desktop and phone width for whoever runs the journeys (git-ignored
    e2e-screenshots/). With docs=True and UPDATE_SCREENSHOTS=1, also the README's set
    in docs/screenshots/ (the width the page is shown at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shown = page.viewport_size
    if docs and os.environ.get("UPDATE_SCREENSHOTS"):
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOC_SCREENSHOTS / f"{name}.png"), full_page=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(shown)
