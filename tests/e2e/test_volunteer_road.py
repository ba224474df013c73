"""The volunteer's road: a woman applies on the public page; the coordinator screens her, signs
her up for the basic course, registers that she came and approves her; she opens the invitation
in her email on her phone, chooses her password, sets up two-step login and makes a passkey on
her phone, logs in again with the passkey alone (one tap with her fingerprint), and finds her
year of commitment and her course on her own pages."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from courses.models import Course, EnrolmentStatus, Session
from tests.e2e.conftest import confirm_password_if_asked, log_in, shoot, totp_code
from tests.factories import PASSWORD
from volunteers.models import ConfidentialityDeclaration, Status, Volunteer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The basic course starts this long after the journey begins, and is over a moment later. A
# coordinator can sign her up only before it starts, and she has completed it only once it is
# over: the journey waits for it in between. Long enough for the application and the screening
# on a slow machine.
STARTS_IN = timedelta(seconds=60)
LASTS = timedelta(seconds=5)

FIRST_NAME, LAST_NAME = "Selam", "Tesfaye"
FULL_NAME = f"{FIRST_NAME} {LAST_NAME}"
EMAIL = "selam.tesfaye@example.no"
MOTIVATION = "Jeg fikk selv hjelp da jeg kom til Norge, og vil gjerne gi noe tilbake."
HER_PASSWORD = "kanelbolle-og-fjelltur-2026"


@pytest.fixture
def declaration(db):
    """The confidentiality declaration she signs (NKS sentralt keeps its text)."""
    return ConfidentialityDeclaration.objects.create(version=1, text="Jeg har taushetsplikt.")


@pytest.fixture
def basic_course(oslo, coordinator_oslo):
    """Oslo's next session of the basic course, about to start."""
    starts_at = timezone.now() + STARTS_IN
    return Session.objects.create(
        course=Course.objects.get(required_for_matching=True),
        association=oslo,
        starts_at=starts_at,
        ends_at=starts_at + LASTS,
        place="Sanitetshuset, Oslo",
        capacity=12,
        created_by=coordinator_oslo,
    )


def short_date(day, language: str) -> str:
    with translation.override(language):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def plural(words, singular: str, plural: str, n: int) -> str:
    with translation.override(words.language):
        return translation.ngettext(singular, plural, n)


def submit(page, checker, button, *, state: str = "") -> None:
    """Press a button and wait for the page it leads to, which may have the same address."""
    with page.expect_navigation():
        button.click()
    checker.arrived(page, state=state)


def status_message(page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def status_now(words, status: str) -> str:
    return words("The status is now «%(status)s».") % {"status": words(status, "volunteer status")}


def menu_link(page, words, label: str):
    menu = page.get_by_role("navigation", name=words("Main menu"))
    return menu.get_by_role("link", name=words.exact(label))


# --- She applies -----------------------------------------------------------------------------


def apply(page, checker, words) -> None:
    page.get_by_role("link", name=words("Become a ressursvenn")).first.click()
    page.wait_for_url("**/bli-ressursvenn/")
    checker.arrived(page)
    form = page.locator("form.application-form")
    form.get_by_label(words("First name")).fill(FIRST_NAME)
    form.get_by_label(words("Last name")).fill(LAST_NAME)
    form.get_by_label(words("Email address")).fill(EMAIL)
    form.get_by_label(words("Mobile phone")).fill("912 34 567")
    form.get_by_label(words("Municipality where you live")).fill("Oslo")
    form.get_by_label(words("Year of birth")).fill("1988")
    form.get_by_label(words("Norwegian"), exact=True).check()
    form.get_by_label(words("Tigrinya"), exact=True).check()
    form.get_by_label(words("Building a network")).check()
    form.get_by_label(words("Norwegian practice")).check()
    form.get_by_label(words("Why do you want to be a ressursvenn?")).fill(MOTIVATION)
    form.get_by_label(words("I am a woman")).check()
    form.get_by_label(
        words(
            "I agree that NKS stores and uses what I have written here to handle my "
            "application, as described in the"
        )
    ).check()
    shoot(page, f"volunteer-application-{words.language}")

    # She forgets to say when she can meet: the message stands by that question, and nothing
    # she wrote is lost.
    submit(
        page,
        checker,
        form.get_by_role("button", name=words("Send application")),
        state="with an error",
    )
    form = page.locator("form.application-form")
    when = form.get_by_role("group", name=words("When can you usually meet?"))
    expect(when).to_contain_text(words("Choose when you can usually meet."))
    assert form.get_by_label(words("First name")).input_value() == FIRST_NAME
    assert form.get_by_label(words("Why do you want to be a ressursvenn?")).input_value() == (
        MOTIVATION
    )
    expect(form.get_by_label(words("Tigrinya"), exact=True)).to_be_checked()
    assert not Volunteer.objects.exists()

    when.get_by_label(words("Weekday evenings")).check()
    form.get_by_role("button", name=words("Send application")).click()
    page.wait_for_url("**/bli-ressursvenn/takk/")
    checker.arrived(page)


# --- Her phone and its passkey ---------------------------------------------------------------


def her_phone_holds_passkeys(page) -> None:
    """Chromium's virtual authenticator as her phone's own (platform) authenticator: it keeps
    passkeys on the phone and unlocks them with her fingerprint (user verification)."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def make_a_passkey(page, checker, words, password: str) -> None:
    """From the offer under her recovery codes to a passkey on her phone."""
    offer = page.get_by_role("region", name=words("Log in with one tap next time"))
    offer.get_by_role("link", name=words("Add a passkey")).click()
    confirm_password_if_asked(page, checker, words, password)
    page.wait_for_url("**/totrinn/tilgangsnokkel/ny/")
    checker.arrived(page)
    page.get_by_label(words.field("Name of the passkey")).fill("Telefonen min")
    shoot(page, f"volunteer-passkey-{words.language}")
    with page.expect_navigation():
        page.get_by_role("button", name=words("Make the passkey")).click()
    page.wait_for_url("**/totrinn/")
    checker.arrived(page)
    added = words("Added. You can use it the next time you log in.")
    expect(status_message(page, added)).to_be_visible()
    passkeys = page.locator("#passkeys")
    expect(passkeys).to_contain_text(
        plural(words, "You have %(n)s passkey.", "You have %(n)s passkeys.", 1) % {"n": 1}
    )


def log_in_with_the_passkey(page, checker, words) -> None:
    """The login page, and one tap: no email, no password, no code."""
    page.get_by_role("link", name=words.exact("Log in")).first.click()
    page.wait_for_url("**/logg-inn/**")
    checker.arrived(page, state="passkey offered")
    button = page.get_by_role("button", name=words("Log in with a passkey"))
    expect(button).to_be_visible()
    expect(page.get_by_label(words("Password"))).to_have_value("")
    shoot(page, f"login-passkey-{words.language}", docs=words.language == "nb")
    with page.expect_navigation(url=re.compile(r"/min-side/$")):
        button.click()
    checker.arrived(page)


# --- The coordinator screens her ----------------------------------------------------------------


def screen(page, checker, words) -> None:
    """From her start page to the applicant, through every screening step, on to the course."""
    waiting = plural(words, "application waiting", "applications waiting", 1)
    page.get_by_role("link", name=re.compile(rf"\b1 {re.escape(waiting)}")).click()
    page.wait_for_url(re.compile(r"/frivillige/\?status=applied$"))
    checker.arrived(page)
    page.get_by_role("link", name=FULL_NAME).click()
    page.wait_for_url("**/frivillige/*/")
    checker.arrived(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(FULL_NAME)
    assert page.get_by_text(MOTIVATION).is_visible()

    submit(page, checker, page.get_by_role("button", name=words.exact("Start screening")))
    expect(status_message(page, status_now(words, "Screening"))).to_be_visible()

    def step(name: str):
        item = page.locator("#screening li", has_text=words(name))
        item.locator("summary").click()
        return item

    today = timezone.localdate()
    interview = step("Interview")
    interview.get_by_label(words("Interview date")).fill(today.isoformat())
    interview.get_by_label(words("Short note")).fill("Rolig og varm; har vært støttekontakt.")
    checker.arrived(page, state="with a screening form open")
    submit(page, checker, interview.get_by_role("button", name=words("Save interview")))
    expect(status_message(page, words("Saved."))).to_be_visible()

    references = step("Two references")
    references.get_by_label(words("First reference checked on")).fill(
        (today - timedelta(days=2)).isoformat()
    )
    references.get_by_label(words("Second reference checked on")).fill(
        (today - timedelta(days=1)).isoformat()
    )
    submit(page, checker, references.get_by_role("button", name=words("Save references")))

    declaration = step("Confidentiality declaration")
    assert declaration.get_by_label(words("Signed on")).input_value() == today.isoformat()
    submit(page, checker, declaration.get_by_role("button", name=words("Save signature")))

    police = step("Police certificate seen")
    submit(page, checker, police.get_by_role("button", name=words("Record as seen")))
    expect(page.locator("#screening li.todo")).to_have_count(0)

    submit(
        page,
        checker,
        page.get_by_role("button", name=words.exact("Screening done: on to the course")),
    )
    expect(status_message(page, status_now(words, "Course"))).to_be_visible()
    # Not yet: the basic course is still missing, and the page says so.
    expect(page.get_by_role("button", name=words("Approve as ressursvenn"))).to_be_disabled()
    assert page.get_by_text(words("every course required for matching completed")).is_visible()
    volunteer = Volunteer.objects.get(email=EMAIL)
    assert volunteer.status == Status.COURSE
    assert volunteer.police_certificate_legal_basis == "krisesenterlova § 7"


def open_the_session(page, checker, words) -> None:
    page.wait_for_url("**/kurs/")
    checker.arrived(page)
    page.get_by_role("link", name=words("Open session")).click()
    page.wait_for_url("**/kurs/okter/*/")
    checker.arrived(page)


# --- The journey -------------------------------------------------------------------------------


def test_the_volunteer_road(people, checker, words, declaration, basic_course, coordinator_oslo):
    language = words.language
    course_title = basic_course.course.title

    # --- Selam applies on the public page ---------------------------------------------------
    applicant = people(language)
    apply(applicant, checker, words)
    assert applicant.get_by_role("heading", level=1).is_visible()
    volunteer = Volunteer.objects.get(email=EMAIL)
    assert (volunteer.first_name, volunteer.status) == (FIRST_NAME, Status.APPLIED)
    assert volunteer.association == basic_course.association
    assert volunteer.language_codes == ["no", "ti"]

    # --- Hanne, the coordinator, screens her -------------------------------------------------
    hanne = people(language)
    log_in(hanne, checker, words, coordinator_oslo, PASSWORD)
    screen(hanne, checker, words)

    # --- ... signs her up for the basic course before it starts ------------------------------
    # Her page's next step is to enrol her; here through the session's own search.
    expect(hanne.locator(".next-step")).to_contain_text(words("Enrol her on a course session"))
    menu_link(hanne, words, "Courses").click()
    open_the_session(hanne, checker, words)
    # She finds Selam by a search (no box per volunteer of the association); what she types
    # stays out of the address, as on the list of volunteers.
    enrol = hanne.get_by_role("region", name=words("Sign up volunteers"))
    enrol.get_by_label(words.field("Name, email or phone")).fill(FULL_NAME)
    submit(hanne, checker, enrol.get_by_role("button", name=words.exact("Search")), state="search")
    assert re.search(r"/kurs/okter/[\w-]+/\?sok=[\w-]+#sign-up$", hanne.url), hanne.url
    expect(enrol.get_by_label(words.field("Name, email or phone"))).to_have_value(FULL_NAME)
    assert timezone.now() < basic_course.starts_at, (
        f"the course started before she was signed up: make STARTS_IN longer than {STARTS_IN}"
    )
    enrol.get_by_label(FULL_NAME).check()
    submit(hanne, checker, enrol.get_by_role("button", name=words("Sign up the ticked volunteers")))
    expect(status_message(hanne, FULL_NAME)).to_be_visible()
    signed_up = hanne.get_by_role("region", name=words("Signed up"))
    expect(signed_up.locator("tr", has_text=FULL_NAME)).to_contain_text(words("Enrolled"))

    # --- ... and once the course is over, registers that she came ----------------------------
    hanne.wait_for_timeout(
        max(0, (basic_course.ends_at - timezone.now()).total_seconds() + 1) * 1000
    )
    menu_link(hanne, words, "Courses").click()
    hanne.wait_for_url("**/kurs/")
    checker.arrived(hanne)
    past = hanne.get_by_role("region", name=words("Past course sessions"))
    past.get_by_role("link", name=words("Register attendance")).click()
    hanne.wait_for_url("**/oppmote/")
    checker.arrived(hanne)
    hanne.get_by_label(FULL_NAME).check()
    hanne.get_by_role("button", name=words("Save attendance")).click()
    hanne.wait_for_url(f"**/kurs/okter/{basic_course.public_id}/")
    checker.arrived(hanne)
    registered = words("Attendance is registered: %(attended)s of %(total)s attended.")
    expect(status_message(hanne, registered % {"attended": 1, "total": 1})).to_be_visible()

    # --- ... finds her by searching for her email, and approves her --------------------------
    menu_link(hanne, words, "Volunteers").click()
    hanne.wait_for_url("**/frivillige/")
    checker.arrived(hanne)
    requested: list[str] = []
    hanne.on("request", lambda request: requested.append(request.url))
    filters = hanne.locator(".filter-form")
    filters.get_by_label(words("Search")).fill(EMAIL)
    submit(hanne, checker, filters.get_by_role("button", name=words.exact("Show")), state="search")
    assert re.search(r"/frivillige/\?sok=[\w-]+$", hanne.url), hanne.url
    expect(filters.get_by_label(words("Search"))).to_have_value(EMAIL)
    # Neither the form, the redirect nor anything the page loaded carried what she typed.
    assert requested and not [u for u in requested if "selam" in u.lower()], requested
    hanne.get_by_role("link", name=FULL_NAME).click()
    hanne.wait_for_url(f"**/frivillige/{volunteer.public_id}/")
    checker.arrived(hanne)
    approve = hanne.get_by_role("button", name=words("Approve as ressursvenn"))
    expect(approve).to_be_enabled()
    submit(hanne, checker, approve)  # asks first
    submit(hanne, checker, hanne.get_by_role("button", name=words("Yes, approve her")))
    approved = words(
        "%(name)s is approved. She has been sent an invitation to make her login, and her "
        "year has started."
    )
    expect(status_message(hanne, approved % {"name": FIRST_NAME})).to_be_visible()
    expect(hanne.locator("#commitment")).to_contain_text(short_date(timezone.localdate(), language))
    shoot(hanne, f"volunteer-detail-{language}")
    volunteer.refresh_from_db()
    assert volunteer.status == Status.APPROVED
    assert volunteer.enrolments.get().status == EnrolmentStatus.ATTENDED

    # --- Selam opens the invitation on her phone and chooses her password -------------------
    invitation = next(m for m in mail.outbox if m.to == [EMAIL] and "/invitasjon/" in m.body)
    link = re.search(r"https?://\S+/invitasjon/\S+", invitation.body).group()
    selam = people(language, phone=True)
    her_phone_holds_passkeys(selam)
    selam.goto(urlsplit(link).path)
    checker.arrived(selam)
    assert selam.get_by_label(words("First name")).input_value() == FIRST_NAME
    # "Password" and "Password again": the first is the one without "again".
    selam.get_by_label(words("Password")).first.fill(HER_PASSWORD)
    selam.get_by_label(words("Password again")).fill(HER_PASSWORD)
    selam.get_by_role("button", name=words("Save password and log in")).click()
    # She will see a woman's data: before anything else she sets up two-step login, typing the
    # key into the authenticator app on the same phone.
    selam.wait_for_url("**/totrinn/app/")
    checker.arrived(selam)
    expect(status_message(selam, words("Welcome! Your password is saved."))).to_be_visible()
    secret = selam.get_by_label(words("Key for typing in by hand")).input_value()
    selam.get_by_label(words.field("Authenticator code")).fill(totp_code(secret))
    selam.get_by_role("button", name=words("Confirm and turn on two-step login")).click()
    selam.wait_for_url("**/totrinn/reservekoder/")
    checker.arrived(selam)
    volunteer.user.totp_secret = secret  # her app, for logging in again

    # Under her recovery codes: a passkey, so that next time one tap logs her in.
    make_a_passkey(selam, checker, words, HER_PASSWORD)
    passkey = Authenticator.objects.get(user=volunteer.user, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().is_passwordless
    assert passkey.last_used_at is None

    # She logs out, and in again with the passkey alone: her fingerprint is both steps.
    submit(selam, checker, selam.get_by_role("button", name=words.exact("Log out")))
    # The session ends; the language she chose stays.
    assert selam.locator("html").get_attribute("lang") == language
    log_in_with_the_passkey(selam, checker, words)
    expect(selam.get_by_role("heading", level=1)).to_have_text(
        words("Hi, %(name)s") % {"name": FIRST_NAME}
    )
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None

    # Her password and the code from the app still work, as on a computer without the passkey.
    submit(selam, checker, selam.get_by_role("button", name=words.exact("Log out")))
    log_in(selam, checker, words, volunteer.user, HER_PASSWORD)

    # --- Her own page: her year and her course -----------------------------------------------
    assert urlsplit(selam.url).path == "/min-side/"
    hello = words("Hi, %(name)s") % {"name": FIRST_NAME}
    expect(selam.get_by_role("heading", level=1)).to_have_text(hello)
    period = volunteer.commitments.get()
    commitment = selam.get_by_role("region", name=words("Your commitment"))
    days_left = plural(
        words,
        "%(days)s day left of your year as a ressursvenn",
        "%(days)s days left of your year as a ressursvenn",
        period.days_left,
    )
    expect(commitment).to_contain_text(days_left % {"days": period.days_left})
    expect(commitment).to_contain_text(
        f"{short_date(period.starts_on, language)}–{short_date(period.ends_on, language)}"
    )

    selam.get_by_role("link", name=words("Courses and sign-up")).click()
    selam.wait_for_url("**/min-side/kurs/")
    checker.arrived(selam)
    session = selam.locator(f"#session-{basic_course.public_id}")
    expect(session).to_contain_text(course_title)
    expect(session).to_contain_text(words("Attended"))
    assert selam.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(selam, f"volunteer-courses-{language}")

    # Back on her page, as she will find it from now on: nothing on it is wider than her phone.
    menu_link(selam, words, "My page").click()
    selam.wait_for_url("**/min-side/")
    checker.arrived(selam)
    assert selam.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(
        selam,
        "volunteer-phone" if language == "nb" else f"volunteer-phone-{language}",
        docs=language == "nb",
    )
