"""The outcomes recorded when a match ends: contact with help services, and for each outcome
answered "yes", whether it came during the match (refused without "yes")."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import services
from matching.models import Match, MatchStatus
from tests.conftest import login
from tests.matching.test_early_end import OUTCOME

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(oslo, make_volunteer, make_match):
    match = make_match(make_volunteer(oslo))
    match.started_on = timezone.localdate() - timedelta(days=100)
    match.save()
    return match


def _end(client, match, **fields):
    return client.post(
        reverse("match_end", args=[match.public_id]),
        {"ended_on": timezone.localdate().isoformat(), **OUTCOME, **fields},
    )


def test_the_form_asks_each_outcome_and_whether_it_came_during_the_match(
    client, coordinator_oslo, active
):
    login(client, coordinator_oslo)
    html = client.get(reverse("match_end", args=[active.public_id])).content.decode()
    assert "Har hun kontakt med hjelpetjenester?" in html
    # Each outcome's "did it come during the match?" names its outcome (four fields with one
    # label could not be told apart in a screen reader's list of fields).
    for during in (
        "boligen",
        "arbeidet eller studieplassen",
        "nettverket",
        "kontakten med hjelpetjenestene",
    ):
        assert html.count(f"Hvis ja: fikk hun {during} i løpet av koblingen?") == 1


def test_the_outcomes_and_during_the_match_are_recorded(client, coordinator_oslo, active):
    login(client, coordinator_oslo)
    response = _end(
        client,
        active,
        outcome_housing="yes",
        outcome_housing_during="yes",
        outcome_network="yes",
        outcome_network_during="no",
        outcome_help_services="yes",
        outcome_help_services_during="yes",
    )
    assert response.status_code == 302
    match = Match.objects.get(pk=active.pk)
    assert match.status == MatchStatus.ENDED
    assert (match.outcome_help_services, match.outcome_help_services_during) == ("yes", True)
    assert (match.outcome_housing_during, match.outcome_network_during) == (True, False)
    assert match.outcome_work_or_study_during is None
    page = client.get(match.get_absolute_url()).content.decode()
    assert "Kontakt med hjelpetjenester" in page
    assert page.count("(kom i løpet av koblingen)") == 2


def test_during_the_match_without_yes_is_refused_next_to_the_field(
    client, coordinator_oslo, active
):
    login(client, coordinator_oslo)
    response = _end(client, active, outcome_work_or_study="no", outcome_work_or_study_during="yes")
    html = response.content.decode()
    assert response.status_code == 200
    assert "registreres bare når svaret er ja" in html
    # Next to the field, which keeps what she chose.
    error = html.index('id="error_1_id_outcome_work_or_study_during"')
    assert "registreres bare når svaret er ja" in html[error : error + 300]
    field = html.index('name="outcome_work_or_study_during"')
    assert '<option value="yes" selected>' in html[field:error]
    # The rest of what she chose is kept, nothing changed.
    assert 'value="moved" selected' in html
    assert Match.objects.get(pk=active.pk).status == MatchStatus.ACTIVE


def test_the_service_refuses_during_the_match_without_yes(coordinator_oslo, active):
    with pytest.raises(services.MatchingError):
        services.match_end(
            match=active,
            ended_on=timezone.localdate(),
            by=coordinator_oslo,
            outcome_moved_back="no",
            outcome_help_services="unknown",
            outcome_help_services_during=True,
        )
    assert Match.objects.get(pk=active.pk).status == MatchStatus.ACTIVE
