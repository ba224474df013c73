"""Signing volunteers up for a session by searching for them (issue 15): the coordinator types a
part of a name, an email address or a phone number, gets at most SEARCH_RESULTS_SHOWN of the
volunteers of her association who can be signed up, and ticks one or a few. What she typed
never goes into the address."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Enrolment, EnrolmentStatus
from courses.views import SEARCH_RESULTS_SHOWN
from tests.conftest import login
from tests.courses.conftest import make_session
from tests.factories import volunteer
from tests.helpers import assert_no_inline_code
from tests.querycount import assert_constant_queries
from volunteers.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def oslo_session(oslo):
    return make_session(oslo, capacity=2)


def detail(session) -> str:
    return reverse("session_detail", args=[session.public_id])


def search(client, session, text: str):
    """Post the search; returns the answer to the page it leads to, and that page's address."""
    posted = client.post(detail(session), {"q": text})
    assert posted.status_code == 302, posted.status_code
    address = posted["Location"]
    parts = urlsplit(address)
    assert parts.path == detail(session) and parts.fragment == "sign-up"
    assert parts.query.startswith("sok=")
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    assert_no_inline_code(response.content.decode())
    return response, f"{parts.path}?{parts.query}"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_search_finds_only_those_of_her_association_who_can_be_signed_up(
    client, coordinator_oslo, oslo, bergen, oslo_session
):
    ready = volunteer(oslo, status=Status.SCREENING, first_name="Siri", last_name="Dahl")
    approved = volunteer(oslo, status=Status.APPROVED, first_name="Siri", last_name="Aas")
    volunteer(oslo, status=Status.APPLIED, first_name="Siri", last_name="Søker")
    volunteer(oslo, status=Status.ENDED, first_name="Siri", last_name="Sluttet")
    volunteer(oslo, status=Status.REJECTED, first_name="Siri", last_name="Avslått")
    volunteer(
        oslo,
        status=Status.COURSE,
        first_name="Siri",
        last_name="Slettet",
        erased_at=timezone.now(),
    )
    on_it = volunteer(oslo, status=Status.COURSE, first_name="Siri", last_name="Påmeldt")
    services.enrol(session=oslo_session, volunteers=[on_it])
    from_bergen = volunteer(bergen, status=Status.COURSE, first_name="Siri", last_name="Bergen")
    login(client, coordinator_oslo)

    response, address = search(client, oslo_session, "siri")

    assert "siri" not in address.lower()
    assert response.context["candidates"] == [approved, ready]  # by name
    html = response.content.decode()
    found = html[html.index('id="sign-up"') :]
    assert "Siri Dahl" in found and "Siri Aas" in found
    for name in ("Søker", "Sluttet", "Avslått", "Slettet", "Bergen"):
        assert f"Siri {name}" not in found, name
    assert found.count('type="checkbox"') == 2
    assert str(from_bergen.public_id) not in html
    # The search box shows what she typed; the enrol form carries the search's id, not its text.
    assert 'value="siri"' in html
    assert f'name="sok" value="{address.split("sok=")[1]}"' in html


def test_the_search_matches_a_part_of_the_email_or_the_phone_number_and_every_word(
    client, coordinator_oslo, oslo, oslo_session
):
    selam = volunteer(
        oslo,
        status=Status.COURSE,
        first_name="Selam",
        last_name="Tesfaye",
        email="selam.t@example.no",
        phone="+4798765432",
    )
    volunteer(oslo, status=Status.COURSE, first_name="Selam", last_name="Haile")
    login(client, coordinator_oslo)

    assert search(client, oslo_session, "SELAM.T@exa")[0].context["candidates"] == [selam]
    assert search(client, oslo_session, "98765")[0].context["candidates"] == [selam]
    assert search(client, oslo_session, "selam tesf")[0].context["candidates"] == [selam]


def test_the_coordinator_signs_up_a_found_volunteer_and_the_search_stays(
    client, coordinator_oslo, oslo, oslo_session
):
    anna = volunteer(oslo, status=Status.COURSE, first_name="Anna", last_name="Lie")
    berit = volunteer(oslo, status=Status.COURSE, first_name="Berit", last_name="Lie")
    login(client, coordinator_oslo)
    _response, address = search(client, oslo_session, "lie")

    posted = client.post(
        reverse("session_enrol", args=[oslo_session.public_id]),
        {"volunteers": [str(anna.public_id)], "sok": address.split("sok=")[1]},
    )

    assert posted.status_code == 302 and posted["Location"] == address
    response = client.get(posted["Location"])
    assert messages_of(response) == ["1 volunteer got a seat: Anna Lie."]
    assert Enrolment.objects.get().volunteer == anna
    # She is on the session now, so the same search offers only Berit.
    assert response.context["candidates"] == [berit]
    assert [e.volunteer for e in response.context["seated"]] == [anna]


def test_a_full_session_puts_the_found_volunteer_on_the_waiting_list(
    client, coordinator_oslo, oslo, oslo_session
):
    services.enrol(
        session=oslo_session,
        volunteers=[volunteer(oslo, status=Status.COURSE) for _ in range(2)],  # capacity 2
    )
    late = volunteer(oslo, status=Status.COURSE, first_name="Sen", last_name="Påmelding")
    login(client, coordinator_oslo)
    response, _address = search(client, oslo_session, "påmelding")
    assert response.context["candidates"] == [late]

    response = client.post(
        reverse("session_enrol", args=[oslo_session.public_id]),
        {"volunteers": [str(late.public_id)]},
        follow=True,
    )

    assert messages_of(response) == [
        "The session is full. 1 volunteer is on the waiting list: Sen Påmelding."
    ]
    assert Enrolment.objects.get(volunteer=late).status == EnrolmentStatus.WAITING


def test_nothing_found_says_so(client, coordinator_oslo, oslo, bergen, oslo_session):
    volunteer(bergen, status=Status.COURSE, first_name="Zelda", last_name="Bergen")
    volunteer(oslo, status=Status.APPLIED, first_name="Zelda", last_name="Søker")
    login(client, coordinator_oslo)

    response, _address = search(client, oslo_session, "zelda")

    html = response.content.decode()
    assert response.context["candidates"] == []
    assert "Nobody who can be signed up matches «zelda»." in html
    assert "Sign up the ticked volunteers" not in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type a part of her name, her email address or her phone number."),
        ("   ", "Type a part of her name, her email address or her phone number."),
        ("a", "Type at least 2 letters or digits."),
        ("x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
    ],
)
def test_a_bad_search_is_answered_at_the_field(
    client, coordinator_oslo, oslo, oslo_session, typed, message
):
    volunteer(oslo, status=Status.COURSE, first_name="Anna")
    login(client, coordinator_oslo)

    response = client.post(detail(oslo_session), {"q": typed})

    assert response.status_code == 200
    html = response.content.decode()
    field = html[html.index('name="q"') - 400 : html.index('name="q"') + 800]
    assert message in field and "is-invalid" in field
    assert not client.session.get("searches")  # nothing kept
    assert not response.context.get("candidates")


def test_an_expired_or_unknown_search_asks_her_to_search_again(
    client, coordinator_oslo, oslo, oslo_session
):
    volunteer(oslo, status=Status.COURSE, first_name="Anna")
    login(client, coordinator_oslo)

    response = client.get(detail(oslo_session), {"sok": "not-a-search-of-hers"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "This search has expired. Please search again." in html
    assert 'type="checkbox"' not in html


def test_more_than_a_page_of_matches_shows_the_first_and_asks_for_more_letters(
    client, coordinator_oslo, oslo
):
    session = make_session(oslo, capacity=50)
    for n in range(SEARCH_RESULTS_SHOWN + 2):
        volunteer(oslo, status=Status.COURSE, first_name=f"Kari{n:02d}", last_name="Nord")
    login(client, coordinator_oslo)

    response, _address = search(client, session, "nord")

    html = response.content.decode()
    assert len(response.context["candidates"]) == SEARCH_RESULTS_SHOWN
    assert html.count('type="checkbox"') == SEARCH_RESULTS_SHOWN
    assert "Kari00 Nord" in html and f"Kari{SEARCH_RESULTS_SHOWN:02d} Nord" not in html
    assert f"More volunteers match than the {SEARCH_RESULTS_SHOWN} shown here." in html


def test_ticking_nobody_keeps_the_results_and_shows_the_error(
    client, coordinator_oslo, oslo, oslo_session
):
    anna = volunteer(oslo, status=Status.COURSE, first_name="Anna", last_name="Lie")
    login(client, coordinator_oslo)
    _response, address = search(client, oslo_session, "anna")

    response = client.post(
        reverse("session_enrol", args=[oslo_session.public_id]),
        {"sok": address.split("sok=")[1]},
    )

    assert response.status_code == 200
    assert response.context["enrol_form"].errors == {
        "volunteers": ["Tick at least one volunteer to sign up."]
    }
    assert response.context["candidates"] == [anna]
    assert "Anna Lie" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_coordinator_of_another_association_neither_finds_nor_searches_on_the_session(
    client, coordinator_bergen, oslo, bergen, oslo_session
):
    volunteer(oslo, status=Status.COURSE, first_name="Oslojente")
    bergen_session = make_session(bergen)
    login(client, coordinator_bergen)

    assert client.post(detail(oslo_session), {"q": "oslojente"}).status_code == 404
    response, _address = search(client, bergen_session, "oslojente")
    assert response.context["candidates"] == []
    assert "Oslojente" not in response.content.decode().replace("«oslojente»", "")


def test_a_started_session_has_no_search(client, coordinator_oslo, oslo):
    session = make_session(oslo, starts_in=-timedelta(hours=1))
    volunteer(oslo, status=Status.COURSE, first_name="Anna")
    login(client, coordinator_oslo)

    posted = client.post(detail(session), {"q": "anna"})

    assert posted.status_code == 302 and posted["Location"] == detail(session)
    html = client.get(detail(session)).content.decode()
    assert 'name="q"' not in html and "nobody can be signed up or off any more" in html


def test_the_session_page_takes_the_same_number_of_queries_for_few_and_many(
    client, coordinator_oslo, oslo
):
    session = make_session(oslo, capacity=40)
    login(client, coordinator_oslo)
    _response, address = search(client, session, "lie")

    def grow(n):
        seated = [volunteer(oslo, status=Status.COURSE, last_name="Berg") for _ in range(n)]
        services.enrol(session=session, volunteers=seated)
        for _ in range(n):
            volunteer(oslo, status=Status.COURSE, last_name="Lie")

    assert_constant_queries(client, address, grow)


def test_a_large_session_lists_its_seats_a_page_at_a_time_in_the_order_they_signed_up(
    client, coordinator_oslo, oslo
):
    """A held basic course can seat hundreds: the page shows 50 of them with the total, and the
    seat count covers all of them."""
    from common.pagination import PAGE_SIZE

    session = make_session(oslo, capacity=PAGE_SIZE + 20)
    people = [volunteer(oslo, status=Status.COURSE, last_name=f"Nr{n:03}") for n in range(55)]
    services.enrol(session=session, volunteers=people)
    login(client, coordinator_oslo)

    first = client.get(detail(session))
    second = client.get(detail(session) + "?side=2")

    assert [e.volunteer for e in first.context["seated"]] == people[:PAGE_SIZE]
    assert [e.volunteer for e in second.context["seated"]] == people[PAGE_SIZE:]
    html = first.content.decode()
    assert "55 of 70 taken, 15 free" in html
    assert "Showing 1–50 of 55" in html and 'href="?side=2"' in html
    assert "Nr054" not in html and "Nr054" in second.content.decode()


def test_a_started_session_lists_its_seats_without_an_empty_actions_column(
    client, coordinator_oslo, oslo
):
    """Nobody can be signed off any more: on a phone each row would show an empty "Actions"."""
    session = make_session(oslo, capacity=5)
    services.enrol(session=session, volunteers=[volunteer(oslo, status=Status.COURSE)])
    login(client, coordinator_oslo)
    assert 'data-label="Actions"' in client.get(detail(session)).content.decode()

    session.starts_at = timezone.now() - timedelta(hours=1)
    session.save(update_fields=["starts_at"])
    html = client.get(detail(session)).content.decode()

    assert "Amina Hansen" in html and 'data-label="Actions"' not in html
