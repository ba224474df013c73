"""How the pair is doing (issue 19, item 2): the questions at the follow-up conversations, the
trend on the match page for the match's coordinators only, and the neutral task a low score or
a drop raises."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from matching import services
from matching.models import (
    RELATIONSHIP_ASKED_AT,
    FollowUp,
    FollowUpKind,
    MatchStatus,
    RelationshipAnswer,
)
from notifications.models import Notification
from tests import factories
from tests.conftest import login


@pytest.fixture
def active_match(oslo, volunteer_oslo, make_volunteer, make_match):
    nora = make_volunteer(oslo, first_name="Nora", user=volunteer_oslo, email=volunteer_oslo.email)
    match = make_match(nora, status=MatchStatus.ACTIVE)
    match.started_on = timezone.localdate() - timedelta(days=200)
    match.planned_end_on = match.started_on + timedelta(days=365)
    match.save()
    for kind, days in (("2w", 14), ("1m", 30), ("3m", 91), ("6m", 182)):
        FollowUp.objects.create(
            match=match, kind=kind, due_on=match.started_on + timedelta(days=days)
        )
    return match


def _follow_up(match, kind):
    return FollowUp.objects.get(match=match, kind=kind)


def _post(client, follow_up, **answers):
    prefix = f"f{follow_up.pk}"
    data = {
        f"{prefix}-on": timezone.localdate().isoformat(),
        f"{prefix}-with_whom": ["1", "2"],
        f"{prefix}-note": "",
    }
    data.update({f"{prefix}-{key}": value for key, value in answers.items()})
    return client.post(reverse("follow_up_action", args=[follow_up.public_id, "record"]), data)


def _record(follow_up, by, **answers):
    return services.follow_up_record(
        follow_up=follow_up,
        by=by,
        on=timezone.localdate(),
        with_whom=3,
        note="",
        answers=answers,
    )


GOOD = {"closeness": 4, "trust": 4, "frequency": 4, "helps": 5}


def _notices(kind="relationship_attention"):
    return Notification.objects.filter(kind=kind)


def test_the_questions_are_asked_at_one_three_six_months_and_closing():
    assert set(RELATIONSHIP_ASKED_AT) == {
        FollowUpKind.ONE_MONTH,
        FollowUpKind.THREE_MONTHS,
        FollowUpKind.SIX_MONTHS,
        FollowUpKind.CLOSING,
    }


def test_the_form_records_both_respondents_and_did_not_answer(
    client, active_match, coordinator_oslo
):
    follow_up = _follow_up(active_match, "1m")
    login(client, coordinator_oslo)
    response = _post(
        client,
        follow_up,
        woman_asked_how="shelter",
        woman_closeness="4",
        woman_trust="0",
        woman_frequency="3",
        woman_helps="5",
        volunteer_closeness="3",
    )
    assert response.status_code == 302
    woman = RelationshipAnswer.objects.get(follow_up=follow_up, respondent="woman")
    assert (woman.asked_how, woman.closeness, woman.trust, woman.frequency, woman.helps) == (
        "shelter",
        4,
        None,
        3,
        5,
    )
    volunteer = RelationshipAnswer.objects.get(follow_up=follow_up, respondent="volunteer")
    assert (volunteer.closeness, volunteer.trust, volunteer.asked_how) == (3, None, "")
    assert not _notices().exists()


def test_a_conversation_may_be_held_without_asking(client, active_match, coordinator_oslo):
    follow_up = _follow_up(active_match, "3m")
    login(client, coordinator_oslo)
    assert _post(client, follow_up).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done_on == timezone.localdate()
    assert not RelationshipAnswer.objects.exists()


def test_the_two_week_conversation_has_no_questions(client, active_match, coordinator_oslo):
    login(client, coordinator_oslo)
    html = client.get(reverse("match_detail", args=[active_match.public_id])).content.decode()
    two_weeks, one_month = _follow_up(active_match, "2w"), _follow_up(active_match, "1m")
    assert f'name="f{one_month.pk}-woman_closeness"' in html
    assert f'name="f{one_month.pk}-volunteer_helps"' in html
    assert f'name="f{two_weeks.pk}-on"' in html
    assert f'name="f{two_weeks.pk}-woman_closeness"' not in html
    with pytest.raises(services.MatchingError):
        _record(two_weeks, coordinator_oslo, woman={**GOOD, "asked_how": "directly"})


@pytest.mark.parametrize("value", ["6", "-1", "x", "2.5"])
def test_a_value_outside_one_to_five_is_refused_next_to_the_field(
    client, active_match, coordinator_oslo, value
):
    follow_up = _follow_up(active_match, "1m")
    login(client, coordinator_oslo)
    response = _post(client, follow_up, volunteer_trust=value, woman_closeness="2")
    assert response.status_code == 400
    html = response.content.decode()
    # The message is next to the field, in this conversation's form, opened again.
    field = html.index(f'name="f{follow_up.pk}-volunteer_trust"')
    assert "Velg et gyldig valg" in html[field - 3000 : field + 3000]
    assert f'value="2" name="f{follow_up.pk}-woman_closeness"' in html or (
        f'name="f{follow_up.pk}-woman_closeness" value="2"' in html
    )
    follow_up.refresh_from_db()
    assert follow_up.done_on is None
    assert not RelationshipAnswer.objects.exists()
    assert not _notices().exists()


def test_the_womans_answers_need_how_she_was_asked(client, active_match, coordinator_oslo):
    follow_up = _follow_up(active_match, "1m")
    login(client, coordinator_oslo)
    response = _post(client, follow_up, woman_closeness="4")
    assert response.status_code == 400
    assert "Velg hvordan hun ble spurt." in response.content.decode()
    assert not RelationshipAnswer.objects.exists()


def test_the_service_refuses_a_score_outside_the_scale(active_match, coordinator_oslo):
    with pytest.raises(services.MatchingError):
        _record(_follow_up(active_match, "1m"), coordinator_oslo, volunteer={**GOOD, "trust": 6})
    assert not RelationshipAnswer.objects.exists()


def test_a_low_score_raises_one_neutral_task_for_the_coordinators(
    client, active_match, coordinator_oslo
):
    follow_up = _follow_up(active_match, "1m")
    _record(follow_up, coordinator_oslo, volunteer={**GOOD, "helps": 2})
    notices = list(_notices())
    assert [n.recipient for n in notices] == [coordinator_oslo]
    notice = notices[0]
    assert notice.link == reverse("match_detail", args=[active_match.public_id]) + "#relationship"
    assert notice.reference == active_match.referral.case_ref
    # Once per conversation: it cannot be answered again.
    with pytest.raises(services.MatchingError):
        _record(follow_up, coordinator_oslo, volunteer={**GOOD, "helps": 1})
    assert _notices().count() == 1
    assert RelationshipAnswer.objects.count() == 1
    # The text is neutral and names nobody.
    login(client, coordinator_oslo)
    html = client.get(reverse("notification_list")).content.decode()
    assert "En oppfølgingssamtale tyder på at en kobling trenger oppmerksomhet." in html


def test_a_drop_of_two_raises_the_task_and_a_drop_of_one_does_not(active_match, coordinator_oslo):
    _record(
        _follow_up(active_match, "1m"), coordinator_oslo, woman={**GOOD, "asked_how": "directly"}
    )
    _record(
        _follow_up(active_match, "3m"),
        coordinator_oslo,
        woman={**GOOD, "closeness": 3, "asked_how": "directly"},
    )
    assert not _notices().exists()  # 4 -> 3
    # The volunteer's answers are compared with hers alone; did not answer is skipped.
    _record(
        _follow_up(active_match, "6m"),
        coordinator_oslo,
        woman={**GOOD, "closeness": None, "trust": 5, "asked_how": "directly"},
        volunteer={**GOOD},
    )
    assert not _notices().exists()
    closing = FollowUp.objects.create(
        match=active_match, kind="closing", due_on=active_match.planned_end_on
    )
    _record(closing, coordinator_oslo, woman={**GOOD, "trust": 3, "asked_how": "directly"})
    assert _notices().count() == 1  # trust 5 -> 3


def test_the_match_page_shows_the_trend_to_its_coordinator(client, active_match, coordinator_oslo):
    _record(
        _follow_up(active_match, "1m"),
        coordinator_oslo,
        woman={**GOOD, "asked_how": "volunteer"},
        volunteer={**GOOD, "trust": None},
    )
    _record(
        _follow_up(active_match, "3m"),
        coordinator_oslo,
        woman={**GOOD, "closeness": 5, "asked_how": "volunteer"},
        volunteer={**GOOD, "helps": 3},
    )
    login(client, coordinator_oslo)
    html = client.get(reverse("match_detail", args=[active_match.public_id])).content.decode()
    assert 'id="relationship"' in html
    assert "Hvor godt går det i koblingen" in html
    assert "Etter én måned" in html and "Etter tre måneder" in html
    assert "↑ opp" in html  # her closeness 4 -> 5
    assert "↓ ned" in html  # the volunteer's "it helps" 5 -> 3
    assert "svarte ikke" in html


@pytest.mark.parametrize(
    "who", ["volunteer_oslo", "shelter_worker_oslo", "coordinator_bergen", "national_admin"]
)
def test_nobody_but_the_matchs_coordinators_reads_the_answers(
    request, active_match, coordinator_oslo, who
):
    _record(_follow_up(active_match, "1m"), coordinator_oslo, volunteer=GOOD)
    assert RelationshipAnswer.objects.for_user(coordinator_oslo).count() == 1
    assert not RelationshipAnswer.objects.for_user(request.getfixturevalue(who)).exists()


def test_a_group_leader_reads_no_answers(oslo, active_match, coordinator_oslo):
    _record(_follow_up(active_match, "1m"), coordinator_oslo, volunteer=GOOD)
    leader = factories.person(Role.GROUP_LEADER, place=oslo)
    assert not RelationshipAnswer.objects.for_user(leader).exists()


@pytest.mark.parametrize("who", ["volunteer_oslo", "shelter_worker_oslo", "coordinator_bergen"])
def test_the_trend_is_not_shown_to_others(client, request, active_match, coordinator_oslo, who):
    _record(_follow_up(active_match, "1m"), coordinator_oslo, volunteer=GOOD)
    login(client, request.getfixturevalue(who))
    response = client.get(reverse("match_detail", args=[active_match.public_id]))
    assert response.status_code in (403, 404)  # another role: forbidden; another association: 404
    assert b'id="relationship"' not in response.content
    if who == "volunteer_oslo":
        html = client.get(reverse("my_match")).content.decode()
        assert 'id="relationship"' not in html
        assert "Hvor godt går det i koblingen" not in html


def test_a_group_leader_is_refused_the_match_page_as_not_found(
    client, oslo, active_match, coordinator_oslo
):
    _record(_follow_up(active_match, "1m"), coordinator_oslo, volunteer=GOOD)
    login(client, factories.person(Role.GROUP_LEADER, place=oslo))
    response = client.get(reverse("match_detail", args=[active_match.public_id]))
    assert response.status_code == 404
    assert b'id="relationship"' not in response.content
