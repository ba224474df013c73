"""Bad input everywhere: every form of the project, posted (or queried) by the person who may
use it, with generated values - very long strings, control characters and NUL, emoji, Arabic,
Cyrillic and CJK, markup and script, SQL fragments, negative and huge numbers, malformed dates,
unknown and foreign ids. No answer may be a 500, and no page (nor the page a successful post
leads to) may carry the generated markup unescaped.

Each example runs in a savepoint that is rolled back, so every example starts from the same
world (tests/security/matrix_data.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from tests.conftest import login
from tests.factories import volunteer
from tests.security.matrix_data import PASSWORD, World, make_world
from volunteers.models import Status

pytestmark = pytest.mark.django_db

EXAMPLES = 15

# Markup a page must never carry as it was typed: it would run in the reader's browser.
MARKUP = [
    '<script>alert("rv-xss")</script>',
    '<b onmouseover=alert("rv-xss")>x</b>',
    "<img src=x onerror=alert('rv-xss')>",
    '"><svg onload=alert("rv-xss")>',
    "'><iframe src=javascript:alert('rv-xss')></iframe>",
]
NASTY = [
    "",
    " ",
    "\x00",
    "Kari\x00",
    "\x01\x02\x1b[31m\x7f\x08",
    "\r\n\t",
    "\u202eevil\u202c",
    "\u200b\ufeff\u00ad",
    "👩‍👩‍👧‍👦🔥🇳🇴",
    "مرحبا بالعالم",
    "Привет, мир",
    "你好，世界",
    "ẞ̶̡͓̱̈́",
    "x" * 5000,
    "æøå" * 30_000,
    "' OR 1=1 --",
    "'; DROP TABLE matching_referral; --",
    "%_\\",
    "1; SELECT pg_sleep(1)",
    "{{ settings.SECRET_KEY }}",
    "-1",
    "0",
    "-32769",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "-Infinity",
    "1.5",
    "2024-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "31.12.1899",
    "2024-13-01",
    "24:00",
    "23:59:59.999999",
    "25:61",
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
    "../../etc/passwd",
    "https://evil.example/",
    "//evil.example",
    "javascript:alert(1)",
    *MARKUP,
]
nasty = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),  # any code point but surrogates: NUL and control characters too
    st.lists(st.sampled_from(NASTY), min_size=2, max_size=3).map("".join),
    st.uuids().map(str),
    st.integers().map(str),
    st.dates().map(lambda day: day.isoformat()),
)
OMIT = object()


@dataclass
class Form:
    name: str
    who: str  # who may use it (see _user)
    url: Callable[[World], str]
    fields: Callable[[World], dict]  # field -> a valid value (a list for a multi-valued field)
    method: str = "POST"

    def __str__(self) -> str:
        return self.name


def _dates(w: World) -> tuple[str, str, str]:
    return (
        w.today.isoformat(),
        (w.today - timedelta(days=1)).isoformat(),
        (w.today + timedelta(days=20)).isoformat(),
    )


def _application(w: World) -> dict:
    return {
        "first_name": "Åse",
        "last_name": "Nilsen",
        "email": "ase.nilsen@example.no",
        "phone": "912 34 567",
        "municipality": "Oslo",
        "birth_year": "1980",
        "languages": ["no", "ar"],
        "strengths": ["1", "4"],
        "availability": ["1"],
        "motivation": "Jeg vil hjelpe.",
        "is_woman": "on",
        "consent": "on",
        "website": "",
    }


def _referral(w: World) -> dict:
    today = _dates(w)[0]
    return {
        "alias": "Kari",
        "age_bracket": "26-35",
        "municipality": "0301",
        "avoid_1": "Bergen",
        "avoid_2": "",
        "preferred_language": "no",
        "languages": ["ar"],
        "phone": "+47 912 34 567",
        "needs": ["1", "2"],
        "availability": ["4"],
        "wish_age_bracket": "36-45",
        "wish_language": "ar",
        "wishes": "Rolig",
        "considerations": ["8"],
        "safety_notes": "Ingen",
        "desired_start": today,
        "consent_on": today,
        "consent_confirmed": "on",
    }


def _meeting(w: World) -> dict:
    return {
        "day": _dates(w)[1],
        "met": "yes",
        "duration": "other",
        "other_minutes": "45",
        "activities": ["1", "32"],
        "note": "Kaffe",
    }


def _session(w: World) -> dict:
    return {
        "course": str(w.course.public_id),
        "date": _dates(w)[2],
        "starts": "10:00",
        "ends": "12:00",
        "place": "Et sted",
        "capacity": "8",
        "notes": "Ta med matpakke",
    }


def _end(w: World) -> dict:
    return {
        "ended_on": _dates(w)[0],
        "end_planned": "yes",
        "end_initiated_by": "woman",
        "end_reason": "year_over",
        "end_note": "Bra år",
        "new_match_for_woman": "no",
        "new_match_for_volunteer": "yes",
        "outcome_moved_back": "no",
        "outcome_housing": "yes",
        "outcome_work_or_study": "unknown",
        "outcome_network": "unknown",
    }


def _url(name: str, attribute: str | None = None, *extra) -> Callable[[World], str]:
    def build(w: World) -> str:
        args = [getattr(w, attribute).public_id] if attribute else []
        return reverse(name, args=[*args, *extra])

    return build


def _stats(w: World) -> dict:
    return {
        "periode": "custom",
        "fra": (w.today - timedelta(days=90)).isoformat(),
        "til": w.today.isoformat(),
        "forening": "",
    }


FORMS = [
    Form("application", "logged_out", _url("become_volunteer"), _application),
    Form("referral_create", "shelter_worker_oslo", _url("referral_create"), _referral),
    Form(
        "referral_create_previous",
        "shelter_worker_oslo",
        _url("referral_create"),
        lambda w: {"tidligere": str(w.bergen_referral.public_id)},  # B's: 404
        method="GET",
    ),
    Form(
        "meeting_log",
        "venn",
        _url("meeting_log"),
        lambda w: {**_meeting(w), "match": str(w.match.public_id), "concern": "Uro"},
    ),
    Form(
        "meeting_log_choose",
        "venn",
        _url("meeting_log"),
        lambda w: {"kobling": str(w.match.public_id)},
        method="GET",
    ),
    Form("meeting_edit", "venn", _url("meeting_edit", "meeting"), _meeting),
    Form(
        "screening_interview",
        "coordinator_oslo",
        _url("screening_record", "applicant", "interview"),
        lambda w: {"interview-on": _dates(w)[1], "interview-note": "Samtale"},
    ),
    Form(
        "screening_references",
        "coordinator_oslo",
        _url("screening_record", "applicant", "references"),
        lambda w: {"references-first_on": _dates(w)[1], "references-second_on": _dates(w)[1]},
    ),
    Form(
        "screening_confidentiality",
        "coordinator_oslo",
        _url("screening_record", "applicant", "confidentiality"),
        lambda w: {
            "confidentiality-on": _dates(w)[1],
            "confidentiality-version": str(w.declaration.pk),
        },
    ),
    Form(
        "screening_police",
        "coordinator_oslo",
        _url("screening_record", "applicant", "police"),
        lambda w: {"police-on": _dates(w)[1]},
    ),
    Form(
        "volunteer_transition",
        "coordinator_oslo",
        _url("volunteer_transition", "applicant"),
        lambda w: {"to": "rejected", "reason": "Passer ikke"},
    ),
    Form(
        "volunteer_approve",
        "coordinator_oslo",
        _url("volunteer_approve", "applicant"),
        lambda w: {"confirm": "yes"},
    ),
    Form(
        "commitment_end",
        "coordinator_oslo",
        _url("commitment_end", "venn"),
        lambda w: {"on": _dates(w)[0], "reason": "moved", "note": "Flyttet"},
    ),
    Form(
        "volunteer_list_filter",
        "coordinator_oslo",
        _url("volunteer_list"),
        lambda w: {
            "q": "Zqx",
            "status": "approved",
            "municipality": str(w.oslo.municipalities.first().pk),
            "language": "no",
            "course_complete": "yes",
            "commitment_ending": "on",
        },
    ),
    Form(
        "volunteer_data_format",
        "coordinator_oslo",
        _url("volunteer_data", "venn"),
        lambda w: {"format": "json"},
        method="GET",
    ),
    Form(
        "outside_area_route",
        "national_admin",
        _url("volunteer_outside_area"),
        lambda w: {
            "volunteer": str(w.outside_applicant.public_id),
            "association": str(w.bergen.public_id),
        },
    ),
    Form("session_create", "coordinator_oslo", _url("session_create"), _session),
    Form("session_update", "coordinator_oslo", _url("session_update", "session"), _session),
    Form(
        "session_enrol",
        "coordinator_oslo",
        _url("session_enrol", "session"),
        lambda w: {"volunteers": [str(w.applicant.public_id), str(w.bergen_volunteer.public_id)]},
    ),
    Form(
        "session_enrol_search",
        "coordinator_oslo",
        _url("session_detail", "session"),
        lambda w: {"q": "Zqx"},
    ),
    Form(
        "session_attendance",
        "coordinator_oslo",
        _url("session_attendance", "held_session"),
        lambda w: {"attended": [str(e.public_id) for e in w.held_enrolments]},
    ),
    Form(
        "session_walk_in_search",
        "coordinator_oslo",
        _url("session_walk_in", "held_session"),
        lambda w: {"walk_in-q": "Zqx"},
    ),
    Form(
        "session_walk_in",
        "coordinator_oslo",
        _url("session_walk_in", "held_session"),
        lambda w: {"volunteer": str(w.applicant.public_id)},
    ),
    Form(
        "volunteer_sessions",
        "coordinator_oslo",
        _url("volunteer_sessions", "applicant"),
        lambda w: {"session": str(w.session.public_id)},
    ),
    Form(
        "my_confidentiality",
        "venn",
        _url("my_confidentiality"),
        lambda w: {"version": str(w.declaration.version), "confirmed": "on"},
    ),
    Form(
        "declaration_publish",
        "national_admin",
        _url("declaration_publish"),
        lambda w: {"text": "Ny tekst", "confirmed": "on"},
    ),
    Form(
        "invitation_coordinator",
        "coordinator_oslo",
        _url("invitation_list"),
        lambda w: {"email": "ny@example.no", "first_name": "Ny", "last_name": "Frivillig"},
    ),
    Form(
        "invitation_national_admin",
        "national_admin",
        _url("invitation_list"),
        lambda w: {
            "email": "ny.koordinator@example.no",
            "first_name": "Ny",
            "last_name": "Koordinator",
            "role": "coordinator",
            "association": str(w.oslo.public_id),
            "shelter": str(w.oslo_shelter.public_id),
        },
    ),
    Form(
        "invitation_accept",
        "logged_out",
        lambda w: reverse("invitation_accept", args=[w.invitation_token]),
        lambda w: {
            "first_name": "Ny",
            "last_name": "Person",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    ),
    Form(
        "role_switch",
        "coordinator_oslo",
        _url("role_switch"),
        lambda w: {
            "membership": str(Membership.objects.get(user=w.coordinator_oslo).public_id),
            "next": "/henvisninger/",
        },
    ),
    Form(
        "settings_coordinator",
        "coordinator_oslo",
        _url("account_settings"),
        lambda w: {"phone": "+47 22 00 00 00", "language": "en", "weekly_digest": "on"},
    ),
    Form("settings_volunteer", "venn", _url("account_settings"), lambda w: {"language": "en"}),
    Form(
        "set_language",
        "coordinator_oslo",
        _url("set_language"),
        lambda w: {"language": "en", "next": "/henvisninger/"},
    ),
    Form(
        "profile",
        "venn",
        _url("my_profile"),
        lambda w: {
            "phone": "912 34 567",
            "languages": ["no", "so"],
            "strengths": ["1"],
            "availability": ["2", "4"],
        },
    ),
    Form(
        "match_first_meeting",
        "coordinator_oslo",
        lambda w: reverse("match_action", args=[w.proposed_match.public_id, "first-meeting"]),
        lambda w: {"day": _dates(w)[2], "time": "12:30", "place": "Krisesenteret"},
    ),
    Form(
        "match_activate",
        "coordinator_oslo",
        lambda w: reverse("match_action", args=[w.proposed_match.public_id, "activate"]),
        lambda w: {"started_on": _dates(w)[1]},
    ),
    Form(
        "match_cancel",
        "coordinator_oslo",
        lambda w: reverse("match_action", args=[w.proposed_match.public_id, "cancel"]),
        lambda w: {"reason": "coordinator"},
    ),
    Form(
        "match_end",
        "coordinator_oslo",
        lambda w: reverse("match_end", args=[w.match.public_id]),
        _end,
    ),
    Form(
        "match_reopen",
        "coordinator_oslo",
        lambda w: reverse("match_action", args=[w.match.public_id, "reopen"]),
        lambda w: {"consent_again": "on", "consent_on": _dates(w)[1]},
    ),
    Form(
        "match_answer",
        "venn",
        _url("my_match_answer", "proposed_match"),
        lambda w: {"answer": "confirm"},
    ),
    Form(
        "match_propose",
        "coordinator_oslo",
        _url("match_propose", "waiting_referral"),
        lambda w: {"volunteer": str(w.other_volunteer.public_id), "back": "batch"},
    ),
    Form(
        "follow_up_record",
        "coordinator_oslo",
        _url("follow_up_action", "follow_up", "record"),
        lambda w: {
            f"f{w.follow_up.pk}-on": _dates(w)[0],
            f"f{w.follow_up.pk}-with_whom": ["1", "2"],
            f"f{w.follow_up.pk}-note": "Bra",
        },
    ),
    Form(
        "follow_up_reschedule",
        "coordinator_oslo",
        _url("follow_up_action", "follow_up", "reschedule"),
        lambda w: {f"r{w.follow_up.pk}-due_on": _dates(w)[2]},
    ),
    Form(
        "concern_follow_up",
        "coordinator_oslo",
        _url("concern_detail", "concern"),
        lambda w: {"note": "Snakket med henne"},
    ),
    Form(
        "referral_transfer",
        "coordinator_oslo",
        _url("referral_transfer", "waiting_referral"),
        lambda w: {"association": str(w.bergen.public_id), "reason": "Flytter"},
    ),
    Form(
        "referral_withdraw",
        "shelter_worker_oslo",
        _url("referral_withdraw", "waiting_referral"),
        lambda w: {"reason": "Ønsker ikke lenger"},
    ),
    Form(
        "referral_data_format",
        "shelter_worker_oslo",
        _url("referral_data", "referral"),
        lambda w: {"format": "json"},
        method="GET",
    ),
    Form("statistics_coordinator", "coordinator_oslo", _url("statistics"), _stats, method="GET"),
    Form(
        "statistics_national",
        "national_admin",
        _url("statistics"),
        lambda w: {**_stats(w), "forening": str(w.oslo.public_id), "periode": "last_year"},
        method="GET",
    ),
    Form(
        "statistics_csv",
        "coordinator_oslo",
        _url("statistics_csv", None, "withdrawal-reasons"),
        _stats,
        method="GET",
    ),
    Form(
        "annual_report",
        "national_admin",
        _url("annual_reports"),
        lambda w: {"year": "2025", "forening": str(w.oslo.public_id)},
    ),
    Form(
        "login",
        "logged_out",
        _url("account_login"),
        lambda w: {"login": w.coordinator_oslo.email, "password": "feil-passord"},
    ),
    Form(
        "password_reset",
        "logged_out",
        _url("account_reset_password"),
        lambda w: {"email": w.coordinator_oslo.email},
    ),
]


def _user(w: World, who: str):
    return {
        "logged_out": None,
        "coordinator_oslo": w.coordinator_oslo,
        "shelter_worker_oslo": w.shelter_worker_oslo,
        "venn": w.venn_user,
        "national_admin": w.actors["national_admin"],
    }[who]


def field_values(valid) -> st.SearchStrategy:
    """A field's value: the valid one, a nasty one, or left out; a list for a list."""
    if isinstance(valid, list):
        item = st.one_of(st.sampled_from(valid), nasty)
        return st.one_of(st.just(OMIT), st.lists(item, max_size=3))
    return st.one_of(st.just(valid), nasty, st.just(OMIT))


@pytest.fixture
def fuzz_world(request):
    """The world, plus what only the fuzzing needs: an application from outside every area
    (for the national admin's routing form)."""
    world = make_world(request)
    world.outside_applicant = volunteer(
        world.bergen, status=Status.APPLIED, outside_area=True, first_name="Ute"
    )
    return world


def _check(form: Form, sent: dict, response) -> None:
    assert response.status_code < 500, (form.name, response.status_code)
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        values = [
            v for value in sent.values() for v in (value if isinstance(value, list) else [value])
        ]
        for markup in MARKUP:
            if any(markup in value for value in values):
                assert markup not in html, (form.name, markup)


@pytest.mark.parametrize("form", FORMS, ids=str)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_bad_input_never_breaks_a_form(fuzz_world, form, data):
    w = fuzz_world
    fields = form.fields(w)
    drawn = data.draw(st.fixed_dictionaries({name: field_values(v) for name, v in fields.items()}))
    sent = {name: value for name, value in drawn.items() if value is not OMIT}
    cache.clear()  # rate limits: every example is a first try
    with transaction.atomic():
        client = Client()
        user = _user(w, form.who)
        if user is not None:
            login(client, user)
        if form.method == "GET":
            response = client.get(f"{form.url(w)}?{urlencode(sent, doseq=True)}")
        else:
            response = client.post(form.url(w), sent, follow=True)
        _check(form, sent, response)
        transaction.set_rollback(True)


# --- Addresses: unknown ids and tokens in the path ------------------------------------------------

ID_PAGES = {
    "referral_detail": "coordinator_oslo",
    "referral_safety_notes": "shelter_worker_oslo",
    "match_detail": "coordinator_oslo",
    "volunteer_detail": "coordinator_oslo",
    "session_detail": "coordinator_oslo",
    "concern_detail": "coordinator_oslo",
    "meeting_edit": "venn",
    "notification_open": "coordinator_oslo",
    "invitation_revoke": "coordinator_oslo",
}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(sorted(ID_PAGES)),
    public_id=st.uuids(),
    token=st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=60)),
)
def test_unknown_ids_and_forged_tokens_are_404(fuzz_world, name, public_id, token):
    w = fuzz_world
    with transaction.atomic():
        client = Client()
        login(client, _user(w, ID_PAGES[name]))
        path = reverse(name, args=[public_id])
        post_only = name in ("notification_open", "invitation_revoke")
        response = client.post(path) if post_only else client.get(path)
        assert response.status_code == 404, (path, response.status_code)
        anonymous = Client()
        for prefix, suffix in (("/invitasjon/", "/"), ("/kalender/", ".ics")):
            path = f"{prefix}{quote(token, safe='')}{suffix}"
            response = anonymous.get(path)
            assert response.status_code == 404, (path, response.status_code)
        transaction.set_rollback(True)


# --- The inputs that once gave a 500, kept as plain examples ---------------------------------------

ONCE_BROKEN = [
    ("referral_create_previous", {"tidligere": " "}),  # not a UUID: ValidationError
    ("referral_create", {"previous": "-149"}),
    ("match_propose", {"volunteer": ""}),
    ("outside_area_route", {"volunteer": "not-a-uuid"}),
    ("role_switch", {"next": "👩‍👩‍👧‍👦🔥🇳🇴"}),  # redirect() took it for a view name
]


@pytest.mark.parametrize(("name", "sent"), ONCE_BROKEN, ids=[n for n, _ in ONCE_BROKEN])
def test_inputs_that_once_broke_a_form(fuzz_world, name, sent):
    form = next(f for f in FORMS if f.name == name)
    client = Client()
    login(client, _user(fuzz_world, form.who))
    if form.method == "GET":
        response = client.get(f"{form.url(fuzz_world)}?{urlencode(sent)}")
    else:
        response = client.post(form.url(fuzz_world), {**form.fields(fuzz_world), **sent})
    assert response.status_code in (302, 400, 404), response.status_code


def test_a_calendar_token_with_a_nul_is_no_feed(client):
    """PostgreSQL refuses NUL in a text query: the address itself must not take it."""
    assert client.get("/kalender/a%00b.ics").status_code == 404
