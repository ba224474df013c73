"""The coordinator's filtered lists: closed referrals, ended matches, the lists behind the start
page's cards (each card counts exactly the rows of the list it links to), and a volunteer's
matches on her page."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from matching.models import (
    CancelReason,
    EndReason,
    FollowUp,
    Match,
    MatchEvent,
    MatchStatus,
    Meeting,
    ReferralStatus,
)
from tests.conftest import login
from tests.factories import volunteer
from volunteers.models import CommitmentPeriod, Status

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English, so assertions read the msgids (Norwegian comes from the .po file)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def match_in(make_volunteer, make_match):
    """match_in(association, status=..., started_days_ago=..., planned_end_in=..., **fields):
    a match of a new volunteer; a running one has started and has a planned end."""

    def make(
        association, *, status=MatchStatus.ACTIVE, started_days_ago=30, planned_end_in=None, **f
    ):
        match = make_match(make_volunteer(association), status=status)
        if status in (MatchStatus.ACTIVE, MatchStatus.PAUSED, MatchStatus.ENDED):
            match.started_on = TODAY() - timedelta(days=started_days_ago)
            match.planned_end_on = (
                TODAY() + timedelta(days=planned_end_in)
                if planned_end_in is not None
                else match.started_on + timedelta(days=365)
            )
        for name, value in f.items():
            setattr(match, name, value)
        match.save()
        return match

    return make


def card(html: str, href: str) -> str:
    """The count on the start page's card that links to `href`."""
    found = re.search(rf'href="{re.escape(href)}">\s*<span class="count">([^<]+)</span>', html)
    assert found, f"no card links to {href}"
    return found.group(1).strip()


def match_rows(html: str) -> list[str]:
    """The public ids of the matches a list shows, in order (each row links to its match)."""
    return re.findall(r'<td data-label="Referral"><a href="/koblinger/([0-9a-f-]{36})/">', html)


def referral_rows(html: str) -> list[str]:
    return re.findall(r'<td data-label="Referral"><a href="/henvisninger/([0-9a-f-]{36})/">', html)


def ids(*objects) -> list[str]:
    return [str(o.public_id) for o in objects]


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Closed referrals and finished matches ------------------------------------------------------


def test_the_referral_list_shows_the_closed_ones_newest_first(
    client, coordinator, oslo, bergen, make_referral, make_volunteer, make_match
):
    now = timezone.now()
    waiting = make_referral(oslo, alias="Venter")
    in_progress = make_referral(oslo, alias="Underveis", status=ReferralStatus.MATCH_PROPOSED)
    never = make_referral(
        oslo,
        alias="Aldri",
        status=ReferralStatus.WITHDRAWN,
        closed_at=now - timedelta(days=1),
    )
    ended = make_referral(
        oslo, alias="Ferdig", status=ReferralStatus.ENDED, closed_at=now - timedelta(days=40)
    )
    ended_match = make_match(
        make_volunteer(oslo, first_name="Sigrid"), status=MatchStatus.ENDED, referral=ended
    )
    declined = make_referral(
        oslo, alias="Avslått", status=ReferralStatus.WITHDRAWN, closed_at=now - timedelta(days=9)
    )
    cancelled = make_match(
        make_volunteer(oslo, first_name="Tove"), status=MatchStatus.CANCELLED, referral=declined
    )
    make_referral(bergen, alias="Bergen", status=ReferralStatus.WITHDRAWN, closed_at=now)

    html = get(client, "/henvisninger/?vis=avsluttet")
    assert referral_rows(html) == ids(never, declined, ended)
    assert "Venter" not in html and "Underveis" not in html and "Bergen" not in html
    assert f'href="{ended_match.get_absolute_url()}">Sigrid' in html
    assert f'href="{cancelled.get_absolute_url()}">Tove' in html
    assert html.count("Never matched") == 1

    # The default list keeps the open ones, and only them.
    html = get(client, "/henvisninger/")
    assert "Venter" in html and "Underveis" in html
    assert "Aldri" not in html and "Ferdig" not in html
    assert waiting.alias in get(client, "/henvisninger/?vis=venter")
    assert in_progress.alias not in get(client, "/henvisninger/?vis=venter")


def test_the_match_list_shows_ended_and_cancelled_matches_newest_ended_first(
    client, coordinator, oslo, bergen, match_in
):
    long_ago = match_in(oslo, status=MatchStatus.ENDED, ended_on=TODAY() - timedelta(days=200))
    lately = match_in(oslo, status=MatchStatus.ENDED, ended_on=TODAY() - timedelta(days=3))
    cancelled = match_in(oslo, status=MatchStatus.PROPOSED)
    cancelled.status, cancelled.cancel_reason = MatchStatus.CANCELLED, CancelReason.COORDINATOR
    cancelled.save()
    MatchEvent.objects.create(
        match=cancelled, status=MatchStatus.CANCELLED, at=timezone.now() - timedelta(days=10)
    )
    still_open = match_in(oslo, status=MatchStatus.ACTIVE)
    elsewhere = match_in(bergen, status=MatchStatus.ENDED, ended_on=TODAY())

    html = get(client, "/koblinger/?vis=avsluttet")
    assert match_rows(html) == ids(lately, cancelled, long_ago)
    assert str(still_open.public_id) not in html and str(elsewhere.public_id) not in html
    assert f"cancelled {TODAY() - timedelta(days=10):%d.%m.%Y}" in html
    # The open list does not show them.
    assert match_rows(get(client, "/koblinger/")) == ids(still_open)


def test_the_ended_and_cancelled_list_shows_how_each_ended_instead_of_meetings(
    client, coordinator, oslo, match_in
):
    ended = match_in(oslo, status=MatchStatus.ENDED, ended_on=TODAY(), end_reason=EndReason.MOVED)
    cancelled = match_in(
        oslo, status=MatchStatus.CANCELLED, cancel_reason=CancelReason.WOMAN_DECLINED
    )
    html = get(client, "/koblinger/?vis=avsluttet")
    assert match_rows(html) == ids(ended, cancelled)
    assert re.findall(r'<td data-label="How it ended">([^<]*)</td>', html) == [
        "She moved",
        "The woman did not want this match",
    ]
    assert "Last meeting" not in html and "Next follow-up" not in html
    # The open lists keep their meetings and follow-ups.
    match_in(oslo)
    active = get(client, "/koblinger/?vis=aktive")
    assert "Next follow-up" in active and "How it ended" not in active


def _section(html: str, title_id: str) -> str:
    return html.split(f'id="{title_id}"', 1)[1].split("</section>", 1)[0]


def test_the_default_list_and_the_filtered_lists_order_matches_alike(
    client, coordinator, oslo, match_in
):
    """Running matches by planned end, the nearest first; proposals the longest waiting first."""
    later = match_in(oslo, planned_end_in=300, proposed_at=timezone.now() - timedelta(days=90))
    sooner = match_in(oslo, planned_end_in=20, proposed_at=timezone.now() - timedelta(days=10))
    paused = match_in(
        oslo,
        status=MatchStatus.PAUSED,
        planned_end_in=100,
        proposed_at=timezone.now() - timedelta(days=50),
    )
    newer = match_in(oslo, status=MatchStatus.PROPOSED, proposed_at=timezone.now())
    older = match_in(
        oslo, status=MatchStatus.PROPOSED, proposed_at=timezone.now() - timedelta(days=5)
    )

    html = get(client, "/koblinger/")
    assert match_rows(_section(html, "running-title")) == ids(sooner, paused, later)
    assert match_rows(_section(html, "proposed-title")) == ids(older, newer)
    assert match_rows(get(client, "/koblinger/?vis=aktive")) == ids(sooner, paused, later)
    assert match_rows(get(client, "/koblinger/?vis=oppstart")) == ids(older, newer)
    # The first section says what it holds, and not what the next one holds.
    assert "Proposed – waiting for the volunteer's answer</h2>" in html


# --- Each card counts exactly the rows of the list it links to ---------------------------------


def test_follow_ups_due_the_card_and_the_list_agree(client, coordinator, oslo, bergen, match_in):
    def follow_up(match, kind, due_in, **fields):
        FollowUp.objects.create(
            match=match, kind=kind, due_on=TODAY() + timedelta(days=due_in), **fields
        )

    soon = match_in(oslo)
    follow_up(soon, "1m", 3)
    overdue = match_in(oslo, status=MatchStatus.PAUSED)
    follow_up(overdue, "2w", -5)
    follow_up(overdue, "1m", 2)  # two due: still one row, counted once
    later = match_in(oslo)
    follow_up(later, "3m", 10)
    held = match_in(oslo)
    follow_up(held, "2w", -1, done_on=TODAY())
    # An ended match's closing conversation not yet held is still to be held (issue 17: an
    # early end moves it to the end date); one ended long ago is not any more.
    ended = match_in(oslo, status=MatchStatus.ENDED, ended_on=TODAY())
    follow_up(ended, "closing", 0)
    ended_long_ago = match_in(oslo, status=MatchStatus.ENDED, ended_on=TODAY() - timedelta(days=90))
    follow_up(ended_long_ago, "closing", -90)
    elsewhere = match_in(bergen)
    follow_up(elsewhere, "2w", 1)

    html = get(client, "/koblinger/?vis=oppfolging")
    assert match_rows(html) == ids(overdue, ended, soon)
    # The next follow-up column shows the first one not yet held.
    assert f"{TODAY() - timedelta(days=5):%d.%m.%Y}" in html and "overdue" in html
    assert card(get(client, "/"), "/koblinger/?vis=oppfolging") == "3"


def test_matches_without_a_meeting_the_card_and_the_list_agree(
    client, coordinator, oslo, bergen, match_in
):
    def meeting(match, days_ago, met=True):
        Meeting.objects.create(
            match=match, date=TODAY() - timedelta(days=days_ago), met=met, minutes=60
        )

    nothing_logged = match_in(oslo, started_days_ago=20)
    silent = match_in(oslo, started_days_ago=60)
    meeting(silent, 15)
    recent = match_in(oslo, started_days_ago=60)
    meeting(recent, 3)
    tried = match_in(oslo, started_days_ago=60)
    meeting(tried, 2, met=False)  # an attempt counts as contact
    just_started = match_in(oslo, started_days_ago=5)
    paused = match_in(oslo, status=MatchStatus.PAUSED, started_days_ago=90)
    elsewhere = match_in(bergen, started_days_ago=90)

    html = get(client, "/koblinger/?vis=stille")
    assert match_rows(html) == ids(nothing_logged, silent)  # the longest silence first
    for match in (recent, tried, just_started, paused, elsewhere):
        assert str(match.public_id) not in html
    assert "15 days ago" in html and "No meetings logged yet." in html
    assert card(get(client, "/"), "/koblinger/?vis=stille") == "2"


def test_matches_ending_the_card_and_the_list_agree(client, coordinator, oslo, bergen, match_in):
    in_ten_days = match_in(oslo, planned_end_in=10)
    overdue = match_in(oslo, status=MatchStatus.PAUSED, planned_end_in=-2)
    next_year = match_in(oslo, planned_end_in=40)
    ended = match_in(oslo, status=MatchStatus.ENDED, planned_end_in=5, ended_on=TODAY())
    elsewhere = match_in(bergen, planned_end_in=3)

    html = get(client, "/koblinger/?vis=slutter")
    assert match_rows(html) == ids(overdue, in_ten_days)
    for match in (next_year, ended, elsewhere):
        assert str(match.public_id) not in html
    assert card(get(client, "/"), "/koblinger/?vis=slutter") == "2"


def test_proposals_and_active_matches_the_cards_and_the_lists_agree(
    client, coordinator, oslo, bergen, match_in
):
    proposed = match_in(oslo, status=MatchStatus.PROPOSED)
    planned = match_in(oslo, status=MatchStatus.FIRST_MEETING_PLANNED)
    active = match_in(oslo, planned_end_in=100)
    paused = match_in(oslo, status=MatchStatus.PAUSED, planned_end_in=200)
    match_in(oslo, status=MatchStatus.ENDED, ended_on=TODAY())
    match_in(bergen, status=MatchStatus.PROPOSED)
    match_in(bergen)

    start = get(client, "/")
    assert match_rows(get(client, "/koblinger/?vis=oppstart")) == ids(proposed, planned)
    assert card(start, "/koblinger/?vis=oppstart") == "2"
    assert "1 proposed · 1 first meeting planned" in start
    assert match_rows(get(client, "/koblinger/?vis=aktive")) == ids(active, paused)
    assert card(start, "/koblinger/?vis=aktive") == "2"


def test_the_start_page_marks_the_cards_with_nothing_in_them_and_keeps_concerns_first(
    client, coordinator, oslo, match_in
):
    """A card counting nothing is marked (a phone shows it as one short line); it stays there."""
    from matching.models import Concern

    match = match_in(oslo)
    Concern.objects.create(match=match, text="Uro")
    start = get(client, "/")

    def classes(href: str) -> set[str]:
        found = re.search(rf'<a class="([^"]+)" href="{re.escape(href)}">', start)
        assert found, f"no card links to {href}"
        return set(found.group(1).split())

    assert "is-zero" in classes("/koblinger/?vis=oppstart")
    assert "is-zero" in classes("/henvisninger/?vis=venter")
    assert "is-zero" not in classes("/koblinger/?vis=aktive")
    assert card(start, "/koblinger/?vis=oppstart") == "0"
    assert "proposed ·" not in start
    assert start.index("1 concern not followed up") < start.index('class="count-card')


def test_referrals_waiting_the_card_and_the_list_agree(
    client, coordinator, oslo, bergen, make_referral
):
    oldest = make_referral(oslo, days_ago=12)
    taken = make_referral(oslo, days_ago=3, status=ReferralStatus.BEING_MATCHED)
    make_referral(oslo, status=ReferralStatus.MATCH_PROPOSED)
    make_referral(oslo, status=ReferralStatus.WITHDRAWN)
    make_referral(bergen)

    assert referral_rows(get(client, "/henvisninger/?vis=venter")) == ids(oldest, taken)
    start = get(client, "/")
    assert card(start, "/henvisninger/?vis=venter") == "2"
    assert "the oldest for 12 days" in start


def _volunteer_rows(html: str) -> list[str]:
    return re.findall(r'<a href="/frivillige/([0-9a-f-]{36})/">', html)


def test_applications_and_commitments_the_cards_and_the_lists_agree(
    client, coordinator, oslo, bergen
):
    applied = volunteer(oslo, first_name="Søker", applied_at=timezone.now() - timedelta(days=4))
    volunteer(oslo, status=Status.SCREENING)
    volunteer(bergen)
    ending = volunteer(oslo, status=Status.APPROVED)
    later = volunteer(oslo, status=Status.APPROVED)
    gone = volunteer(oslo, status=Status.ENDED)
    for person, days in ((ending, 20), (later, 200), (gone, 10)):
        CommitmentPeriod.objects.create(
            volunteer=person,
            starts_on=TODAY() - timedelta(days=300),
            ends_on=TODAY() + timedelta(days=days),
        )

    start = get(client, "/")
    assert _volunteer_rows(get(client, "/frivillige/?status=applied")) == ids(applied)
    assert card(start, "/frivillige/?status=applied") == "1"
    assert "the oldest for 4 days" in start
    assert _volunteer_rows(get(client, "/frivillige/?commitment_ending=on")) == ids(ending)
    assert card(start, "/frivillige/?commitment_ending=on") == "1"


def test_commitments_ending_the_card_the_list_and_the_reminder_share_one_threshold(
    client, coordinator, coordinator_oslo, oslo
):
    """The start page said 60 days while the reminder said 30: one number now, in every text."""
    from notifications.models import Notification
    from notifications.reminders import sweep
    from volunteers.reminders import COMMITMENT_ENDING
    from volunteers.selectors import COMMITMENT_ENDING_DAYS

    inside = volunteer(oslo, status=Status.APPROVED)
    outside = volunteer(oslo, status=Status.APPROVED)
    for person, days in (
        (inside, COMMITMENT_ENDING_DAYS - 1),
        (outside, COMMITMENT_ENDING_DAYS + 1),
    ):
        CommitmentPeriod.objects.create(
            volunteer=person,
            starts_on=TODAY() - timedelta(days=300),
            ends_on=TODAY() + timedelta(days=days),
        )
    start = get(client, "/")
    assert card(start, "/frivillige/?commitment_ending=on") == "1"
    assert f"commitment ending within {COMMITMENT_ENDING_DAYS} days" in start
    listed = get(client, "/frivillige/?commitment_ending=on")
    assert _volunteer_rows(listed) == ids(inside)
    assert f"Commitment ends within {COMMITMENT_ENDING_DAYS} days" in listed
    sweep()
    reminded = Notification.objects.filter(recipient=coordinator_oslo, kind=COMMITMENT_ENDING)
    assert reminded.count() == 1 and reminded.get().link == f"/frivillige/{inside.public_id}/"


def test_the_match_texts_state_the_lists_own_thresholds(client, coordinator, oslo, match_in):
    from matching.selectors import INACTIVE_MATCH_DAYS, MATCH_ENDING_DAYS

    start = get(client, "/")
    assert f"matches without a meeting for {INACTIVE_MATCH_DAYS} days or more" in start
    assert f"matches reaching their planned end within {MATCH_ENDING_DAYS} days" in start
    inactive = get(client, "/koblinger/?vis=stille")
    assert f"No meeting for {INACTIVE_MATCH_DAYS} days" in inactive  # the tab and the title
    assert f"within the last {INACTIVE_MATCH_DAYS} days." in inactive  # the empty list
    ending = get(client, "/koblinger/?vis=slutter")
    assert f"Ending within {MATCH_ENDING_DAYS} days" in ending
    assert f"No match reaches its planned end within {MATCH_ENDING_DAYS} days." in ending
    silent = match_in(oslo, started_days_ago=INACTIVE_MATCH_DAYS + 5)
    assert f"No meeting for {INACTIVE_MATCH_DAYS} days or more." in get(
        client, f"/koblinger/{silent.public_id}/"
    )


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["?vis=alt", "?vis=", "?vis=%3Cscript%3E", "?vis=STILLE", "?vis[]=stille"]
)
def test_a_bad_filter_shows_the_default_list(client, coordinator, oslo, match_in, query):
    proposed = match_in(oslo, status=MatchStatus.PROPOSED)
    ended = match_in(oslo, status=MatchStatus.ENDED, ended_on=TODAY())
    html = get(client, f"/koblinger/{query}")
    assert str(proposed.public_id) in html and str(ended.public_id) not in html
    assert "<script>" not in html
    html = get(client, f"/henvisninger/{query}")
    assert "Waiting for a volunteer, oldest first" in html


def test_the_lists_are_for_coordinators_only(
    client, oslo, shelter_worker_oslo, volunteer_oslo, make_referral
):
    withdrawn = make_referral(oslo, alias="Trukket", status=ReferralStatus.WITHDRAWN)
    login(client, volunteer_oslo)
    assert client.get("/koblinger/?vis=avsluttet").status_code == 403
    client.logout()
    login(client, shelter_worker_oslo)
    assert client.get("/koblinger/?vis=avsluttet").status_code == 403
    # The shelter's own list is the same with or without the parameter: all of its referrals.
    html = get(client, "/henvisninger/?vis=avsluttet")
    assert withdrawn.alias in html and "Never matched" not in html


# --- The volunteer's page lists her matches -----------------------------------------------------


def test_the_volunteer_page_lists_her_matches(
    client, coordinator, oslo, make_volunteer, make_match, make_referral
):
    nora = make_volunteer(oslo, first_name="Nora")
    ended = make_match(
        nora,
        status=MatchStatus.ENDED,
        referral=make_referral(oslo, alias="Amal", status=ReferralStatus.ENDED),
    )
    ended.started_on, ended.ended_on = TODAY() - timedelta(days=400), TODAY() - timedelta(days=35)
    ended.save()
    current = make_match(nora, referral=make_referral(oslo, alias="Fatima"))
    current.started_on = TODAY() - timedelta(days=20)
    current.planned_end_on = current.started_on + timedelta(days=365)
    current.save()
    someone_else = make_match(make_volunteer(oslo), referral=make_referral(oslo, alias="Zahra"))

    html = get(client, nora.get_absolute_url())
    section = html[html.index('id="matches-title"') : html.index('id="courses-title"')]
    assert f'href="{current.get_absolute_url()}">Fatima' in section
    assert f'href="{ended.get_absolute_url()}">Amal' in section
    assert section.index("Fatima") < section.index("Amal")  # newest first
    assert f"{ended.started_on:%d.%m.%Y}–{ended.ended_on:%d.%m.%Y}" in section
    assert f"{current.planned_end_on:%d.%m.%Y} (planned end)" in section
    assert "Zahra" not in html and str(someone_else.public_id) not in html


# --- A fixed number of queries, with few rows and with many --------------------------------------


def _busy_match(association, match_in):
    match = match_in(association, started_days_ago=40, planned_end_in=10)
    Meeting.objects.create(match=match, date=TODAY() - timedelta(days=20), met=True, minutes=60)
    FollowUp.objects.create(match=match, kind="1m", due_on=TODAY())
    return match


@pytest.mark.parametrize(
    "query", ["", "?vis=oppstart", "?vis=aktive", "?vis=oppfolging", "?vis=stille", "?vis=slutter"]
)
def test_the_match_lists_make_a_fixed_number_of_queries(
    client, coordinator, oslo, match_in, django_assert_num_queries, query
):
    # The overview reads its rows and their counts in one query; a filtered list is a page of
    # 50 (issue 15), one more query: its count.
    queries = 5 if query else 4
    _busy_match(oslo, match_in)
    match_in(oslo, status=MatchStatus.PROPOSED)
    with django_assert_num_queries(queries):
        client.get(f"/koblinger/{query}")
    for _n in range(8):
        _busy_match(oslo, match_in)
        match_in(oslo, status=MatchStatus.FIRST_MEETING_PLANNED)
    with django_assert_num_queries(queries):
        html = client.get(f"/koblinger/{query}").content.decode()
    assert len(match_rows(html)) >= 9


def test_the_finished_match_list_makes_a_fixed_number_of_queries(
    client, coordinator, oslo, match_in, django_assert_num_queries
):
    match_in(oslo, status=MatchStatus.ENDED, ended_on=TODAY())
    with django_assert_num_queries(5):  # a page of the list: the rows and their count
        client.get("/koblinger/?vis=avsluttet")
    for _n in range(10):
        match_in(oslo, status=MatchStatus.ENDED, ended_on=TODAY())
        match_in(oslo, status=MatchStatus.CANCELLED)
    with django_assert_num_queries(5):
        html = client.get("/koblinger/?vis=avsluttet").content.decode()
    assert len(match_rows(html)) == 21


def test_the_referral_lists_make_a_fixed_number_of_queries(
    client, coordinator, oslo, make_referral, make_volunteer, make_match, django_assert_num_queries
):
    def closed_pair():
        referral = make_referral(oslo, status=ReferralStatus.ENDED, closed_at=timezone.now())
        make_match(make_volunteer(oslo), status=MatchStatus.ENDED, referral=referral)
        make_referral(oslo, status=ReferralStatus.WITHDRAWN, closed_at=timezone.now())
        make_referral(oslo)

    closed_pair()
    # A page of each list: the rows and their count (issue 15).
    with django_assert_num_queries(6):  # one more than the queue: the matches of each
        client.get("/henvisninger/?vis=avsluttet")
    with django_assert_num_queries(5):
        client.get("/henvisninger/?vis=venter")
    for _n in range(10):
        closed_pair()
    with django_assert_num_queries(6):
        html = client.get("/henvisninger/?vis=avsluttet").content.decode()
    assert len(referral_rows(html)) == 22
    with django_assert_num_queries(5):
        html = client.get("/henvisninger/?vis=venter").content.decode()
    assert len(referral_rows(html)) == 11


# The whole volunteer page (screening, courses, commitment and its pauses, audit log: its id,
# then the entry inserted with its seal, no lock); her matches take one.
QUERIES_VOLUNTEER_PAGE = 22  # + her pauses, her wellbeing answers and her hours (issues 17, 18)


def test_the_volunteer_page_makes_a_fixed_number_of_queries(
    client, coordinator, oslo, make_volunteer, make_match, django_assert_num_queries
):
    nora = make_volunteer(oslo)
    make_match(nora, status=MatchStatus.ENDED)
    url = nora.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(QUERIES_VOLUNTEER_PAGE):
        client.get(url)
    for _n in range(6):
        make_match(nora, status=MatchStatus.ENDED)
    with django_assert_num_queries(QUERIES_VOLUNTEER_PAGE):
        html = client.get(url).content.decode()
    assert len(re.findall(r'href="/koblinger/[0-9a-f-]{36}/"', html)) == 7
    assert Match.objects.filter(volunteer=nora).count() == 7
