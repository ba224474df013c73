"""The demo's matches show how the pairs are doing and what came of the ended ones."""

import pytest
from django.core.management import call_command

from matching.models import FollowUpKind, Match, MatchStatus, RelationshipAnswer, Respondent

pytestmark = pytest.mark.django_db


def _seed() -> None:
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_demo_has_relationship_answers_and_closing_outcomes(settings):
    settings.DEBUG = True
    _seed()
    answers = RelationshipAnswer.objects.all()
    assert answers.filter(respondent=Respondent.WOMAN).exists()
    assert answers.filter(respondent=Respondent.VOLUNTEER).exists()
    kinds = set(answers.values_list("follow_up__kind", flat=True))
    assert kinds <= {FollowUpKind.ONE_MONTH, FollowUpKind.THREE_MONTHS, FollowUpKind.SIX_MONTHS}
    assert FollowUpKind.SIX_MONTHS in kinds
    assert not answers.filter(follow_up__done_on__isnull=True).exists()
    ended = Match.objects.filter(status=MatchStatus.ENDED)
    assert ended.exists()
    assert not ended.exclude(outcome_help_services="yes").exists()
    assert not ended.exclude(outcome_housing_during=True).exists()
    assert not ended.exclude(outcome_work_or_study_during=False).exists()

    # Idempotent: a second run adds nothing and changes nothing.
    before = sorted(answers.values_list("follow_up_id", "respondent", "closeness", "trust"))
    _seed()
    after = sorted(
        RelationshipAnswer.objects.values_list("follow_up_id", "respondent", "closeness", "trust")
    )
    assert after == before
