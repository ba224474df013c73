"""The matching pages ask the database a fixed number of questions, however many volunteers,
referrals, proposals, meetings and events there are (issue 15: at most 15 queries, the same with
3 and with 30 of everything). Each count is pinned: a page that asks one more question fails
here, with the list of what it asks in the comment above it.

Every page starts with three: the session, the user, and (in the menu) her unread
notifications. A page that shows a referral or a match writes the access log's entry: its id
from the sequence, then the entry itself.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import (
    Concern,
    FollowUp,
    MatchStatus,
    Meeting,
    ReferralEvent,
    ReferralStatus,
)
from tests.conftest import login
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _history(referral, make_volunteer, make_match, oslo):
    """grow(n): n more cancelled proposals (each with its volunteer) and history events."""

    def grow(n: int) -> None:
        for _ in range(n):
            make_match(make_volunteer(oslo), status=MatchStatus.CANCELLED, referral=referral)
            ReferralEvent.objects.create(
                referral=referral, kind="status", status=ReferralStatus.BEING_MATCHED
            )

    return grow


def test_a_referral(client, coordinator, oslo, make_referral, make_volunteer, make_match):
    referral = make_referral(
        oslo, languages=("en", "pl"), avoid=("3201",), status=ReferralStatus.BEING_MATCHED
    )
    url = reverse("referral_detail", args=[referral.public_id])
    # 3, the referral, its languages, avoid list, proposals with their volunteers and history
    # with its associations (5), the access log (2), and the associations she may transfer it to.
    assert (
        assert_constant_queries(client, url, _history(referral, make_volunteer, make_match, oslo))
        == 11
    )


def test_a_referral_as_the_shelter_sees_it(
    client, oslo, shelter_worker_oslo, make_referral, make_volunteer, make_match
):
    referral = make_referral(oslo, languages=("en",), avoid=("3201",))
    login(client, shelter_worker_oslo)
    url = reverse("referral_detail", args=[referral.public_id])
    # 3, the referral and what it shows (5), the access log (2).
    assert (
        assert_constant_queries(client, url, _history(referral, make_volunteer, make_match, oslo))
        == 10
    )


def _volunteers(oslo, make_volunteer):
    """grow(n): n more volunteers, one in three of them excluded (no basic course)."""

    def grow(n: int) -> None:
        for i in range(n):
            make_volunteer(oslo, basic_course=i % 3 != 0)

    return grow


def test_the_suggestions(client, coordinator, oslo, make_referral, make_volunteer, make_match):
    referral = make_referral(
        oslo, languages=("en", "pl"), avoid=("3201",), status=ReferralStatus.BEING_MATCHED
    )
    make_match(make_volunteer(oslo), status=MatchStatus.CANCELLED, referral=referral)
    make_volunteer(oslo, first_name="Uten", last_name="Grunnkurs", basic_course=False)
    url = reverse("referral_suggestions", args=[referral.public_id])
    grow = _volunteers(oslo, make_volunteer)
    # 3, the referral with her languages and avoid list (3), the access log (2); the weights,
    # the neighbouring associations, the active courses, the candidates, what else they need
    # (completed courses, commitments, languages, matches, her earlier pairings, one query),
    # and the volunteers suggested.
    assert assert_constant_queries(client, url, grow) == 14
    html = client.get(url).content.decode()
    # How many each rule excludes, and a link to who they are; not their names.
    assert 'id="not-eligible"' in html and 'href="?vis=ikke-aktuelle#not-eligible"' in html
    assert "Har ikke fullført alle obligatoriske kurs: 11" in html
    assert "Uten Grunnkurs" not in html
    # Who they are, on demand: the first of them by reason and name, one query more.
    assert assert_constant_queries(client, f"{url}?vis=ikke-aktuelle", grow) == 15
    html = client.get(f"{url}?vis=ikke-aktuelle").content.decode()
    assert 'id="not-eligible" open' in html and "Uten Grunnkurs" in html


def test_the_batch_proposal(client, coordinator, oslo, make_referral, make_volunteer):
    def grow(n: int) -> None:
        for _ in range(n):
            make_referral(oslo)
            make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
            make_volunteer(oslo)

    # 3; the weights, the waiting referrals, their avoid lists and languages, the active
    # courses, the candidates, what else they need (with the earlier pairings), and the
    # volunteers proposed.
    assert assert_constant_queries(client, reverse("match_batch"), grow) == 11


def test_a_match(client, coordinator, oslo, make_volunteer, make_match):
    match = make_match(make_volunteer(oslo))
    match.started_on = timezone.localdate() - timedelta(days=200)
    match.save()

    def grow(n: int) -> None:
        for i in range(n):
            meeting = Meeting.objects.create(
                match=match,
                date=timezone.localdate() - timedelta(days=i % 200),
                met=True,
                minutes=60,
            )
            Concern.objects.create(match=match, meeting=meeting, text="Uro")
        for kind in ("1m", "3m", "6m")[: min(n, 3)]:
            FollowUp.objects.get_or_create(
                match=match, kind=kind, defaults={"due_on": timezone.localdate()}
            )

    url = reverse("match_detail", args=[match.public_id])
    # 3, the match with its referral, volunteer and whether it has gone quiet, the access log
    # (2), its meetings, concerns, follow-ups and events.
    # (+1: the answers about how the pair is doing, RelationshipAnswer.for_user.)
    assert assert_constant_queries(client, url, grow) == 11
