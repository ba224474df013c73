"""A ressursvenn who has not signed a new confidentiality declaration within
settings.CONFIDENTIALITY_SIGN_DAYS of its publication is not suggested for matching, in the
suggestions and in the batch alike (matching.scoring's base rule; issue 17)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from matching import scoring
from volunteers.models import ConfidentialityDeclaration

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def published(version: int, days_ago: int) -> ConfidentialityDeclaration:
    return ConfidentialityDeclaration.objects.create(
        version=version,
        text=f"Tekst {version}",
        valid_from=timezone.localdate() - timedelta(days=days_ago),
    )


def test_unsigned_after_the_deadline_she_is_excluded_and_before_it_not(
    settings, oslo, make_volunteer, make_referral
):
    settings.CONFIDENTIALITY_SIGN_DAYS = 30
    first = published(1, days_ago=400)
    signed_first = make_volunteer(oslo, first_name="Gammel", confidentiality_version=first)
    never = make_volunteer(oslo, first_name="Aldri")
    referral = make_referral(oslo)

    result = scoring.suggest(referral)
    assert [s.volunteer for s in result.suggestions] == [signed_first]
    assert [(e.volunteer, e.rule) for e in result.excluded] == [
        (never, scoring.RULE_CONFIDENTIALITY)
    ]
    assert result.excluded[0].reason == "Has not signed the new confidentiality declaration in time"

    # A new version: within the days to sign it, nobody who signed the last one is excluded.
    second = published(2, days_ago=29)
    assert [s.volunteer for s in scoring.suggest(referral).suggestions] == [signed_first]
    # After them, only she who signed the new one is suggested.
    ConfidentialityDeclaration.objects.filter(pk=second.pk).update(
        valid_from=timezone.localdate() - timedelta(days=31)
    )
    signed_second = make_volunteer(oslo, first_name="Ny", confidentiality_version=second)
    result = scoring.suggest(referral)
    assert [s.volunteer for s in result.suggestions] == [signed_second]
    assert {e.volunteer: e.rule for e in result.excluded} == {
        signed_first: scoring.RULE_CONFIDENTIALITY,
        never: scoring.RULE_CONFIDENTIALITY,
    }
    assert scoring.eligible_score(referral, signed_first) is None
    # A third version, not yet due, changes nothing for her who signed the second.
    published(3, days_ago=2)
    assert [s.volunteer for s in scoring.suggest(referral).suggestions] == [signed_second]


def test_without_any_declaration_nobody_is_excluded_for_it(oslo, make_volunteer, make_referral):
    volunteer = make_volunteer(oslo)
    assert [s.volunteer for s in scoring.suggest(make_referral(oslo)).suggestions] == [volunteer]


def test_the_batch_leaves_out_who_has_not_signed_in_time(oslo, make_volunteer, make_referral):
    from matching.batch import batch_proposal

    declaration = published(1, days_ago=100)
    make_volunteer(oslo, first_name="Usignert")
    signed = make_volunteer(oslo, first_name="Signert", confidentiality_version=declaration)
    make_referral(oslo)
    make_referral(oslo)
    proposal = batch_proposal(oslo)
    assert [row.volunteer for row in proposal.rows if row.volunteer] == [signed]
    assert proposal.matched == 1
