"""The referral and match lists a page at a time (issue 15: a page of 50 with the count, the
filter kept in the page links), the shelter's start page cut to its newest open referrals, and
the same number of queries whether a list holds 3 rows or 30."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from matching.models import FollowUp, MatchStatus, Meeting, ReferralStatus
from tests.conftest import login
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
UUID = r"[0-9a-f-]{36}"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def shelter_worker(client, shelter_worker_oslo):
    login(client, shelter_worker_oslo)
    return shelter_worker_oslo


@pytest.fixture
def nora(oslo, make_volunteer):
    """One volunteer for every match: the lists are about the matches, not about her."""
    return make_volunteer(oslo, first_name="Nora")


@pytest.fixture
def match_of(nora, make_match):
    """match_of(status, planned_end_in=..., **fields): a match of Nora's with a referral of its
    own; a running one started 40 days ago."""

    def make(status=MatchStatus.ACTIVE, *, planned_end_in=200, **fields):
        match = make_match(nora, status=status)
        if status in (MatchStatus.ACTIVE, MatchStatus.PAUSED, MatchStatus.ENDED):
            match.started_on = TODAY() - timedelta(days=40)
            match.planned_end_on = TODAY() + timedelta(days=planned_end_in)
        if status == MatchStatus.ENDED:
            match.ended_on = TODAY()
        for name, value in fields.items():
            setattr(match, name, value)
        match.save()
        return match

    return make


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def table_rows(html: str, prefix: str) -> list[str]:
    """The public ids of the rows of a table, in order (each row's first cell links to it)."""
    return re.findall(rf'<td data-label="Referral"><a href="/{prefix}/({UUID})/">', html)


def in_progress_rows(html: str) -> list[str]:
    return re.findall(rf'<li><a href="/henvisninger/({UUID})/">', html)


def ids(objects) -> list[str]:
    return [str(o.public_id) for o in objects]


def section(html: str, title_id: str) -> str:
    return html.split(f'id="{title_id}"', 1)[1].split("</section>", 1)[0]


# --- The coordinator's referral queue -----------------------------------------------------------


def test_the_queue_pages_the_waiting_ones_first_and_then_those_in_progress(
    client, coordinator, oslo, make_referral
):
    waiting = [make_referral(oslo, days_ago=200 - n) for n in range(52)]  # the oldest first
    in_progress = [
        make_referral(oslo, days_ago=300 - n, status=ReferralStatus.MATCH_PROPOSED)
        for n in range(4)
    ]

    first = get(client, "/henvisninger/")
    assert table_rows(first, "henvisninger") == ids(waiting[:50])
    assert in_progress_rows(first) == [] and 'id="progress-title"' not in first
    assert "Showing 1–50 of 56" in first and "Page 1 of 2" in first
    assert "Propose for all waiting at once" in first
    assert 'href="?side=2"' in first

    second = get(client, "/henvisninger/?side=2")
    # The rest of the waiting ones (oldest first), then those in progress, oldest first (they
    # were referred before all of the waiting ones, and still come after them).
    assert table_rows(second, "henvisninger") == ids(waiting[50:])
    assert in_progress_rows(second) == ids(in_progress)
    assert "Showing 51–56 of 56" in second
    assert 'href="?side=1"' in second


def test_a_later_page_of_the_queue_without_waiting_ones_has_no_waiting_section(
    client, coordinator, oslo, make_referral
):
    make_referral(oslo)
    for _n in range(55):
        make_referral(oslo, status=ReferralStatus.ACTIVE)
    assert "Waiting for a volunteer, oldest first" in get(client, "/henvisninger/")
    second = get(client, "/henvisninger/?side=2")
    assert "Waiting for a volunteer, oldest first" not in second
    assert "No referrals are waiting" not in second
    assert len(in_progress_rows(second)) == 6


def test_the_waiting_and_the_closed_lists_keep_their_filter_in_the_page_links(
    client, coordinator, oslo, make_referral
):
    waiting = [make_referral(oslo, days_ago=100 - n) for n in range(53)]
    make_referral(oslo, status=ReferralStatus.ACTIVE)
    now = timezone.now()
    closed = [
        make_referral(
            oslo, status=ReferralStatus.WITHDRAWN, closed_at=now - timedelta(days=n, hours=1)
        )
        for n in range(51)
    ]

    second = get(client, "/henvisninger/?vis=venter&side=2")
    assert table_rows(second, "henvisninger") == ids(waiting[50:])
    assert "Showing 51–53 of 53" in second
    assert 'href="?vis=venter&amp;side=1"' in second
    assert "Propose for all waiting at once" in second  # 53 are waiting, whatever the page

    second = get(client, "/henvisninger/?vis=avsluttet&side=2")
    assert table_rows(second, "henvisninger") == ids(closed[50:])  # the longest closed last
    assert "Showing 51–51 of 51" in second
    assert 'href="?vis=avsluttet&amp;side=1"' in second
    # The tabs lead to the first page of the other lists.
    assert 'href="/henvisninger/?vis=venter"' in second


def test_the_shelters_referral_list_is_paged_newest_first(
    client, shelter_worker, oslo, make_referral, make_volunteer, make_match
):
    referrals = [make_referral(oslo, days_ago=n) for n in range(52)]  # the newest first
    met = make_match(
        make_volunteer(oslo, first_name="Sigrid"),
        status=MatchStatus.FIRST_MEETING_PLANNED,
        referral=referrals[-1],
    )
    first = get(client, "/henvisninger/")
    assert table_rows(first, "henvisninger") == ids(referrals[:50])
    assert "Showing 1–50 of 52" in first
    second = get(client, "/henvisninger/?side=2")
    assert table_rows(second, "henvisninger") == ids(referrals[50:])
    # The volunteer's first name and phone, on whichever page her row is.
    assert "Sigrid" in second and f'href="tel:{met.volunteer.phone.as_e164}"' in second
    assert "Sigrid" not in first


# --- The shelter's start page --------------------------------------------------------------------


def test_the_shelters_start_page_shows_its_newest_open_referrals_and_links_to_all(
    client, shelter_worker, oslo, make_referral
):
    from ressursvenner.start import SHELTER_REFERRALS_SHOWN

    open_ones = [make_referral(oslo, days_ago=n + 1) for n in range(SHELTER_REFERRALS_SHOWN + 2)]
    newest_closed = make_referral(oslo, days_ago=0, status=ReferralStatus.WITHDRAWN)
    make_referral(oslo, days_ago=0, status=ReferralStatus.ENDED)

    start = get(client, "/")
    assert table_rows(start, "henvisninger") == ids(open_ones[:SHELTER_REFERRALS_SHOWN])
    assert str(newest_closed.public_id) not in start
    assert (
        f"The {SHELTER_REFERRALS_SHOWN} newest of {SHELTER_REFERRALS_SHOWN + 2} open referrals."
        in start
    )
    assert (
        f'<a href="/henvisninger/">See all your referrals ({SHELTER_REFERRALS_SHOWN + 4})</a>'
        in start
    )


def test_the_shelters_start_page_when_nothing_is_open_or_nothing_referred(
    client, shelter_worker, oslo, make_referral
):
    assert "You have not referred anyone yet." in get(client, "/")
    make_referral(oslo, status=ReferralStatus.WITHDRAWN)
    start = get(client, "/")
    assert "None of your referrals is open now" in start
    assert "You have not referred anyone yet." not in start
    assert "See all your referrals (1)" in start
    make_referral(oslo)
    start = get(client, "/")
    assert "None of your referrals is open now" not in start
    assert "newest of" not in start  # all the open ones are shown


# --- The match lists -----------------------------------------------------------------------------


def test_a_filtered_match_list_is_paged_and_keeps_its_filter(client, coordinator, match_of):
    matches = [match_of(planned_end_in=100 + n) for n in range(53)]  # the nearest end first
    first = get(client, "/koblinger/?vis=aktive")
    assert table_rows(first, "koblinger") == ids(matches[:50])
    assert "Showing 1–50 of 53" in first
    assert 'href="?vis=aktive&amp;side=2"' in first
    second = get(client, "/koblinger/?vis=aktive&side=2")
    assert table_rows(second, "koblinger") == ids(matches[50:])
    assert 'href="?vis=aktive&amp;side=1"' in second


def test_the_ended_list_is_paged_the_most_recently_ended_first(client, coordinator, match_of):
    matches = [match_of(MatchStatus.ENDED, ended_on=TODAY() - timedelta(days=n)) for n in range(51)]
    second = get(client, "/koblinger/?vis=avsluttet&side=2")
    assert table_rows(second, "koblinger") == ids(matches[50:])
    assert "Showing 51–51 of 51" in second


def test_the_overview_shows_the_first_rows_of_each_stage_with_its_count_and_list(
    client, coordinator, match_of
):
    from matching.selectors import OVERVIEW_SHOWN

    now = timezone.now()
    proposed = [
        match_of(MatchStatus.PROPOSED, proposed_at=now - timedelta(days=50 - n))
        for n in range(OVERVIEW_SHOWN + 2)
    ]
    planned = [match_of(MatchStatus.FIRST_MEETING_PLANNED) for _n in range(3)]
    ending = [match_of(planned_end_in=n) for n in range(OVERVIEW_SHOWN + 1)]
    later = [match_of(planned_end_in=200 + n) for n in range(2)]

    html = get(client, "/koblinger/")
    shown = section(html, "proposed-title")
    assert table_rows(shown, "koblinger") == ids(proposed[:OVERVIEW_SHOWN])  # the longest waiting
    assert f"The first {OVERVIEW_SHOWN} of {OVERVIEW_SHOWN + 2}." in shown
    assert 'href="/koblinger/?vis=oppstart">See them all in «Proposed and first meetings»' in shown

    shown = section(html, "first-title")
    assert table_rows(shown, "koblinger") == ids(planned)
    assert "The first" not in shown

    shown = section(html, "running-title")
    assert table_rows(shown, "koblinger") == ids(ending[:OVERVIEW_SHOWN])
    assert f"The first {OVERVIEW_SHOWN} of {OVERVIEW_SHOWN + 3}." in shown
    assert 'href="/koblinger/?vis=aktive">See them all in «Active and paused»' in shown
    assert str(later[0].public_id) not in html

    # The ending ones are the first of the running ones; their count leaves out the later ones.
    shown = section(html, "ending-title")
    assert table_rows(shown, "koblinger") == ids(ending[:OVERVIEW_SHOWN])
    assert f"The first {OVERVIEW_SHOWN} of {OVERVIEW_SHOWN + 1}." in shown
    assert 'href="/koblinger/?vis=slutter">See them all in «Ending within 30 days»' in shown


def test_the_overview_counts_only_its_associations_matches(
    client, coordinator, bergen, match_of, make_volunteer, make_match
):
    from matching.selectors import OVERVIEW_SHOWN

    for _n in range(OVERVIEW_SHOWN):
        match_of(MatchStatus.PROPOSED)
    theirs = make_volunteer(bergen)
    for _n in range(3):
        make_match(theirs, status=MatchStatus.PROPOSED)
    html = get(client, "/koblinger/")
    assert len(table_rows(section(html, "proposed-title"), "koblinger")) == OVERVIEW_SHOWN
    assert "The first" not in html


# --- The same number of queries with 3 rows and with 30 -----------------------------------------


@pytest.fixture
def grow_referrals(oslo, make_referral, make_volunteer, make_match):
    """grow(n): n more of every kind of referral: waiting, in progress, with a volunteer the
    shelter may see, withdrawn and ended with a match."""
    volunteer = make_volunteer(oslo)

    def grow(n):
        for _n in range(n):
            make_referral(oslo)
            make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
            make_match(volunteer, status=MatchStatus.FIRST_MEETING_PLANNED)
            make_referral(oslo, status=ReferralStatus.WITHDRAWN, closed_at=timezone.now())
            ended = make_referral(oslo, status=ReferralStatus.ENDED, closed_at=timezone.now())
            make_match(volunteer, status=MatchStatus.ENDED, referral=ended)

    return grow


@pytest.mark.parametrize("query", ["", "?vis=venter", "?vis=avsluttet"])
def test_the_referral_lists_take_as_many_queries_for_30_as_for_3(
    client, coordinator, grow_referrals, query
):
    assert_constant_queries(client, f"/henvisninger/{query}", grow_referrals)


def test_the_shelters_list_takes_as_many_queries_for_30_as_for_3(
    client, shelter_worker, grow_referrals
):
    assert_constant_queries(client, "/henvisninger/", grow_referrals)


def test_the_shelters_start_page_takes_as_many_queries_for_30_as_for_3(
    client, shelter_worker, grow_referrals
):
    assert_constant_queries(client, "/", grow_referrals)


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ("", ("proposed", "first_meeting", "busy")),
        ("?vis=oppstart", ("proposed", "first_meeting")),
        ("?vis=aktive", ("busy", "paused")),
        ("?vis=oppfolging", ("busy",)),
        ("?vis=stille", ("busy",)),
        ("?vis=slutter", ("busy",)),
        ("?vis=avsluttet", ("ended", "cancelled")),
    ],
)
def test_the_match_lists_take_as_many_queries_for_30_as_for_3(
    client, coordinator, match_of, query, kinds
):
    def busy():
        # Ending soon, a follow-up due, no meeting for 20 days: in every running list.
        match = match_of(planned_end_in=10)
        Meeting.objects.create(match=match, date=TODAY() - timedelta(days=20), met=True, minutes=60)
        FollowUp.objects.create(match=match, kind="1m", due_on=TODAY())

    make = {
        "proposed": lambda: match_of(MatchStatus.PROPOSED),
        "first_meeting": lambda: match_of(MatchStatus.FIRST_MEETING_PLANNED),
        "busy": busy,
        "paused": lambda: match_of(MatchStatus.PAUSED, planned_end_in=300),
        "ended": lambda: match_of(MatchStatus.ENDED),
        "cancelled": lambda: match_of(MatchStatus.CANCELLED),
    }

    def grow(n):
        for _n in range(n):
            for kind in kinds:
                make[kind]()

    assert_constant_queries(client, f"/koblinger/{query}", grow)
