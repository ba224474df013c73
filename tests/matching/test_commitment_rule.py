"""A commitment that ends before the match's planned year, and the conflict check recorded for
a volunteer by her coordinator.

A volunteer whose commitment ends before the planned year of a match proposed today
(models.match_planned_end) is not suggested and not proposed in the batch; the suggestions
show her apart, with how long is left, and the coordinator renews her commitment there (she is
then suggested) or confirms a shorter match on purpose (recorded on the match).
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from common.dates import add_years
from matching import scoring, services
from matching.batch import batch_proposal
from matching.models import (
    MATCH_YEARS,
    ConflictCheckHow,
    Match,
    MatchStatus,
    ReferralStatus,
    match_planned_end,
)
from tests.conftest import login
from volunteers.models import CommitmentPeriod

pytestmark = pytest.mark.django_db


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


# --- The one definition of the match's year ----------------------------------------------------


def test_the_planned_year_is_one_definition_used_when_a_match_becomes_active(
    oslo, coordinator_oslo, make_volunteer, make_referral
):
    assert MATCH_YEARS == 1
    assert match_planned_end(date(2024, 2, 29)) == add_years(date(2024, 2, 29), MATCH_YEARS)
    referral = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    match = services.match_propose(
        referral=referral, volunteer=make_volunteer(oslo), by=coordinator_oslo
    )
    Match.objects.filter(pk=match.pk).update(conflict_checked_at=timezone.now())
    services.match_plan_first_meeting(
        match=match, at=timezone.now(), place="Krisesenteret", by=coordinator_oslo
    )
    started = timezone.localdate()
    match = services.match_activate(match=match, started_on=started, by=coordinator_oslo)
    assert match.planned_end_on == match_planned_end(started)


# --- The rule ----------------------------------------------------------------------------------


def test_a_commitment_ending_before_the_year_excludes_her_and_says_how_long_is_left(
    oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo)
    year_end = match_planned_end(timezone.localdate())
    soon = make_volunteer(oslo, first_name="Snart", commitment_ends=in_days(19))
    later = make_volunteer(oslo, first_name="Senere", commitment_ends=in_days(150))
    just_short = make_volunteer(
        oslo, first_name="Nesten", commitment_ends=year_end - timedelta(days=1)
    )
    covering = make_volunteer(oslo, first_name="Hele", commitment_ends=year_end)

    result = scoring.suggest(referral)

    assert [s.volunteer for s in result.suggestions] == [covering]
    short = {s.volunteer: s for s in result.short}
    assert set(short) == {soon, later, just_short}
    assert all(s.short_commitment for s in result.short)
    assert short[soon].commitment_ends == in_days(19)
    # Not listed twice: the ones shown apart are not among "not eligible".
    assert not {e.volunteer for e in result.excluded} & set(short)
    assert scoring.eligible_score(referral, soon) is None
    assert scoring.eligible_score(referral, soon, shorter_ok=True) is not None
    assert scoring.eligible_score(referral, covering) is not None


def test_how_long_is_left_in_days_then_months_in_bokmal():
    today = date(2026, 12, 4)
    left = scoring.commitment_left_text
    assert left(date(2026, 12, 23), today) == "Bindingstiden hennes slutter om 19 dager"
    assert left(date(2026, 12, 5), today) == "Bindingstiden hennes slutter om 1 dag"
    assert left(today + timedelta(days=150), today) == "Bindingstiden hennes slutter om 5 måneder"
    assert left(today + timedelta(days=31 * 11), today) == (
        "Bindingstiden hennes slutter om 11 måneder"
    )
    assert left(today, today) == "Bindingstiden hennes slutter i dag"


def test_another_rule_is_shown_before_the_short_commitment(oslo, make_volunteer, make_referral):
    referral = make_referral(oslo, avoid=("0301",))
    avoided = make_volunteer(oslo, commitment_ends=in_days(19))
    result = scoring.suggest(referral)
    assert result.short == []
    assert [(e.volunteer, e.rule) for e in result.excluded] == [(avoided, scoring.RULE_AVOID)]


def test_the_batch_never_proposes_her_until_renewed(
    oslo, coordinator_oslo, make_volunteer, make_referral
):
    make_referral(oslo)
    soon = make_volunteer(oslo, first_name="Snart", commitment_ends=in_days(19))
    proposal = batch_proposal(oslo)
    assert [row.volunteer for row in proposal.rows] == [None]

    from volunteers.services import commitment_renew

    commitment_renew(volunteer=soon)
    proposal = batch_proposal(oslo)
    assert [row.volunteer for row in proposal.rows] == [soon]


# --- The suggestions page: renew, or a shorter match on purpose ----------------------------------


def test_the_suggestions_show_her_apart_and_renewing_there_makes_her_suggested(
    client, oslo, coordinator_oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    soon = make_volunteer(oslo, first_name="Snart", commitment_ends=in_days(19))
    login(client, coordinator_oslo)
    url = reverse("referral_suggestions", args=[referral.public_id])
    html = client.get(url).content.decode()
    assert "Bindingstiden hennes slutter om 19 dager" in html
    assert "Forny bindingstiden til Snart" in html
    assert "Foreslå Snart\n" not in html and ">Foreslå Snart<" not in html

    response = client.post(
        reverse("referral_commitment_renew", args=[referral.public_id]),
        {"volunteer": str(soon.public_id)},
    )
    assert response.status_code == 302 and response["Location"] == url
    period = soon.commitments.open().get()
    assert period.ends_on >= match_planned_end(timezone.localdate())
    assert [s.volunteer for s in scoring.suggest(referral).suggestions] == [soon]
    html = client.get(url).content.decode()
    assert "Foreslå Snart" in html and "Bindingstiden hennes slutter om" not in html


def test_a_plain_proposal_of_her_is_refused_and_a_shorter_one_is_recorded(
    client, oslo, coordinator_oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    soon = make_volunteer(oslo, first_name="Snart", commitment_ends=in_days(19))
    login(client, coordinator_oslo)
    propose = reverse("match_propose", args=[referral.public_id])
    html = client.post(propose, {"volunteer": str(soon.public_id)}, follow=True).content.decode()
    assert "kan ikke kobles med denne henvisningen nå" in html
    assert not Match.objects.exists()

    client.post(propose, {"volunteer": str(soon.public_id), "shorter": "1"})
    match = Match.objects.get()
    assert (match.status, match.shorter_confirmed_by, match.shorter_commitment_ends_on) == (
        MatchStatus.PROPOSED,
        coordinator_oslo,
        in_days(19),
    )
    html = client.get(match.get_absolute_url()).content.decode()
    assert 'id="shorter-match"' in html and "med vilje blir kortere" in html


def test_a_shorter_match_is_refused_for_one_whose_commitment_lasts_the_year(
    oslo, coordinator_oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    staying = make_volunteer(oslo)
    with pytest.raises(services.MatchingError):
        services.match_propose(
            referral=referral, volunteer=staying, by=coordinator_oslo, shorter=True
        )
    match = services.match_propose(referral=referral, volunteer=staying, by=coordinator_oslo)
    assert match.shorter_confirmed_by is None and match.shorter_commitment_ends_on is None


def test_only_her_own_coordinator_renews_from_the_suggestions(
    client, oslo, coordinator_bergen, volunteer_oslo, make_volunteer, make_referral
):
    referral = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    soon = make_volunteer(oslo, commitment_ends=in_days(19))
    url = reverse("referral_commitment_renew", args=[referral.public_id])
    login(client, coordinator_bergen)
    assert client.post(url, {"volunteer": str(soon.public_id)}).status_code == 404
    client.logout()
    login(client, volunteer_oslo)
    assert client.post(url, {"volunteer": str(soon.public_id)}).status_code == 403
    assert CommitmentPeriod.objects.filter(volunteer=soon).count() == 1


# --- The conflict check recorded for her -------------------------------------------------------


@pytest.fixture
def proposed(oslo, coordinator_oslo, make_volunteer, make_referral):
    """A proposal to a volunteer without a login, waiting for her conflict check."""
    referral = make_referral(oslo, status=ReferralStatus.BEING_MATCHED)
    volunteer = make_volunteer(oslo, first_name="Uten")
    return services.match_propose(referral=referral, volunteer=volunteer, by=coordinator_oslo)


def test_the_coordinator_records_her_conflict_check_and_the_match_goes_on(
    client, coordinator_oslo, proposed
):
    login(client, coordinator_oslo)
    html = client.get(proposed.get_absolute_url()).content.decode()
    assert "Hun har ikke konto" in html
    today = timezone.localdate()
    response = client.post(
        reverse("match_action", args=[proposed.public_id, "conflict-check"]),
        {"on": today.isoformat(), "how": ConflictCheckHow.PHONE},
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.conflict_checked_at is not None
    assert timezone.localtime(proposed.conflict_checked_at).date() == today
    assert (proposed.conflict_check_how, proposed.conflict_check_recorded_by) == (
        ConflictCheckHow.PHONE,
        coordinator_oslo,
    )
    html = client.get(proposed.get_absolute_url()).content.decode()
    assert "på telefon" in html and coordinator_oslo.get_full_name() in html

    # No longer stuck: the first meeting can be planned.
    client.post(
        reverse("match_action", args=[proposed.public_id, "first-meeting"]),
        {"day": (today + timedelta(days=3)).isoformat(), "time": "12:00", "place": "Senteret"},
    )
    proposed.refresh_from_db()
    assert proposed.status == MatchStatus.FIRST_MEETING_PLANNED
    # Who recorded it, and how, stays on the match's page.
    html = client.get(proposed.get_absolute_url()).content.decode()
    assert 'id="conflict-check-recorded"' in html and "på telefon" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"on": "", "how": "phone"}, "Skriv inn datoen hun bekreftet det."),
        ({"on": "2099-01-01", "how": "phone"}, "Datoen kan ikke være fram i tid."),
        ({"on": "i går", "how": "phone"}, "Skriv inn en gyldig dato"),
        ({"on": "2026-01-01", "how": ""}, "Velg hvordan hun bekreftet det."),
    ],
)
def test_bad_input_is_shown_at_the_field_and_changes_nothing(
    client, coordinator_oslo, proposed, data, message
):
    login(client, coordinator_oslo)
    response = client.post(
        reverse("match_action", args=[proposed.public_id, "conflict-check"]), data
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "invalid-feedback" in html
    proposed.refresh_from_db()
    assert proposed.conflict_checked_at is None and proposed.conflict_check_how == ""


def test_a_date_before_the_proposal_is_refused(coordinator_oslo, proposed):
    with pytest.raises(services.MatchingError):
        services.match_record_conflict_check(
            match=proposed,
            on=timezone.localdate() - timedelta(days=3),
            how=ConflictCheckHow.EMAIL,
            by=coordinator_oslo,
        )


def test_only_the_coordinator_of_her_association_records_it(
    client, coordinator_bergen, volunteer_oslo, shelter_worker_oslo, proposed
):
    url = reverse("match_action", args=[proposed.public_id, "conflict-check"])
    data = {"on": timezone.localdate().isoformat(), "how": "phone"}
    for user, status in (
        (coordinator_bergen, 404),
        (volunteer_oslo, 403),
        (shelter_worker_oslo, 403),
    ):
        login(client, user)
        assert client.post(url, data).status_code == status
        client.logout()
    proposed.refresh_from_db()
    assert proposed.conflict_checked_at is None
