"""The referral's status has one door (services._referral_status) and one table
(REFERRAL_TRANSITIONS): every illegal change is refused and writes nothing, every legal one is
let through, and every service that moves a referral goes through the door."""

import ast
from datetime import timedelta
from itertools import product
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from matching import services
from matching.models import (
    CLOSED,
    REFERRAL_TRANSITIONS,
    WITHDRAWABLE,
    CancelReason,
    Match,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from matching.services import MatchingError
from notifications.models import Notification

pytestmark = pytest.mark.django_db

LEGAL = [(a, b) for a, tos in REFERRAL_TRANSITIONS.items() for b in sorted(tos)]
ILLEGAL = [(a, b) for a, b in product(ReferralStatus, ReferralStatus) if (a, b) not in LEGAL]
ROOT = Path(__file__).resolve().parents[2]


def ids(pairs):
    return [f"{a}->{b}" for a, b in pairs]


def row(referral: Referral) -> tuple:
    """What a refused change must leave as it was."""
    fresh = Referral.objects.get(pk=referral.pk)
    return (
        fresh.status,
        fresh.status_changed_at,
        fresh.closed_at,
        fresh.association_id,
        ReferralEvent.objects.filter(referral=referral).count(),
        Notification.objects.count(),
        list(Match.objects.filter(referral=referral).values_list("status", flat=True)),
    )


def test_the_table_names_every_status_and_agrees_with_the_shelters_withdraw_rule():
    assert set(REFERRAL_TRANSITIONS) == set(ReferralStatus)
    # Closed is closed, but for one way back: an ended referral reopened for a new match.
    assert REFERRAL_TRANSITIONS[ReferralStatus.WITHDRAWN] == set()
    assert REFERRAL_TRANSITIONS[ReferralStatus.ENDED] == {ReferralStatus.BEING_MATCHED}
    assert {s for s, tos in REFERRAL_TRANSITIONS.items() if ReferralStatus.WITHDRAWN in tos} == (
        set(WITHDRAWABLE)
    )
    assert len(LEGAL) == 15 and len(ILLEGAL) == 7 * 7 - 15


@pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=ids(ILLEGAL))
def test_an_illegal_change_is_refused_and_writes_nothing(
    oslo, coordinator_oslo, shelter_worker_oslo, make_referral, current, target
):
    referral = make_referral(oslo, status=current, status_changed_at=timezone.now() - timedelta(1))
    before = row(referral)
    with pytest.raises(MatchingError):
        services._set_referral_status(referral, target, by=coordinator_oslo)
    with pytest.raises(MatchingError):
        services._referral_status(referral, target, also=("withdrawn_reason",))
    assert row(referral) == before


@pytest.mark.parametrize(("current", "target"), LEGAL, ids=ids(LEGAL))
def test_a_legal_change_is_let_through(oslo, make_referral, current, target):
    earlier = timezone.now() - timedelta(days=1)
    referral = make_referral(oslo, status=current, status_changed_at=earlier)
    services._referral_status(referral, target)
    referral.refresh_from_db()
    assert referral.status == target and referral.status_changed_at > earlier
    assert (referral.closed_at == referral.status_changed_at) == (target in CLOSED)


def test_a_bulk_write_of_the_status_is_refused(oslo, make_referral):
    referral = make_referral(oslo)
    with pytest.raises(TypeError):
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ACTIVE)
    referral.status = ReferralStatus.ACTIVE
    with pytest.raises(TypeError), transaction.atomic():
        Referral.objects.bulk_update([referral], ["status"])
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.RECEIVED
    # Other fields may still be written in bulk (the demo dates its referrals back).
    assert Referral.objects.filter(pk=referral.pk).update(wishes="x") == 1


def test_every_service_that_moves_a_referral_goes_through_the_table(
    monkeypatch, oslo, bergen, coordinator_oslo, shelter_worker_oslo, make_referral, make_volunteer
):
    """Each step is first tried with the table closed for the referral's current status: the
    service must refuse and change nothing; then it is taken for real."""
    nora, kari = make_volunteer(oslo, first_name="Nora"), make_volunteer(oslo, first_name="Kari")
    by = coordinator_oslo

    def step(referral: Referral, call, expected: str):
        current = Referral.objects.get(pk=referral.pk).status
        before = row(referral)
        with monkeypatch.context() as closed:
            closed.setitem(REFERRAL_TRANSITIONS, current, set())
            with pytest.raises(MatchingError):
                call()
        assert row(referral) == before, call
        result = call()
        assert Referral.objects.get(pk=referral.pk).status == expected
        return result

    S = ReferralStatus
    referral = make_referral(oslo)
    step(
        referral,
        lambda: services.referral_transfer(referral=referral, to=bergen, reason="x", by=by),
        S.RECEIVED,
    )
    step(referral, lambda: services.referral_take(referral=referral, by=by), S.BEING_MATCHED)
    step(
        referral,
        lambda: services.referral_transfer(referral=referral, to=oslo, reason="y", by=by),
        S.RECEIVED,
    )
    first = step(
        referral,
        lambda: services.match_propose(referral=referral, volunteer=nora, by=by),
        S.MATCH_PROPOSED,
    )
    step(
        referral,
        lambda: services.match_cancel(match=first, reason=CancelReason.COORDINATOR, by=by),
        S.BEING_MATCHED,
    )
    match = step(
        referral,
        lambda: services.match_propose(referral=referral, volunteer=kari, by=by),
        S.MATCH_PROPOSED,
    )
    services.match_confirm_conflict_check(match=match, by=by)
    meeting = timezone.now() - timedelta(days=20)
    step(
        referral,
        lambda: services.match_plan_first_meeting(match=match, at=meeting, place="Her", by=by),
        S.FIRST_MEETING_PLANNED,
    )
    started = timezone.localdate() - timedelta(days=20)
    step(
        referral,
        lambda: services.match_activate(match=match, started_on=started, by=by),
        S.ACTIVE,
    )
    step(
        referral,
        lambda: services.match_end(
            match=match,
            ended_on=timezone.localdate(),
            by=by,
            end_reason="other",
            outcome_moved_back="unknown",
        ),
        S.ENDED,
    )
    Match.objects.filter(pk=match.pk).update(new_match_for_woman=True)
    step(
        referral,
        lambda: services.referral_reopen(
            referral=referral, consent_again=True, consent_on=timezone.localdate(), by=by
        ),
        S.BEING_MATCHED,
    )

    withdrawn = make_referral(oslo)
    step(
        withdrawn,
        lambda: services.referral_withdraw(referral=withdrawn, reason="z", by=shelter_worker_oslo),
        S.WITHDRAWN,
    )
    consent = make_referral(oslo)
    step(
        consent,
        lambda: services.referral_consent_withdrawn(referral=consent, by=shelter_worker_oslo),
        S.WITHDRAWN,
    )


def _status_writes(tree: ast.AST):
    """(function, line, value) of every assignment to something's `.status`."""

    def walk(node, function):
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                else function
            )
            targets = []
            if isinstance(child, ast.Assign):
                targets = child.targets
            elif isinstance(child, ast.AnnAssign | ast.AugAssign):
                targets = [child.target]
            flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in flat):
                yield function, child.lineno, ast.unparse(child.value)
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id == "setattr"
                and any(isinstance(a, ast.Constant) and a.value == "status" for a in child.args)
            ):
                yield function, child.lineno, ast.unparse(child)
            yield from walk(child, inner)

    yield from walk(tree, None)


def test_no_code_but_the_doors_writes_a_status_in_matching_nor_a_referral_status_elsewhere():
    skip = {".venv", "tests", "migrations", "node_modules"}
    found = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if skip & set(relative.parts):
            continue
        for function, line, value in _status_writes(ast.parse(path.read_text())):
            in_matching = relative.parts[0] == "matching"
            if (in_matching and function not in ("_referral_status", "_match_status")) or (
                not in_matching and "ReferralStatus" in value
            ):
                found.append(f"{relative}:{line}")
    assert found == []
    # The scan does see the doors (it is not blind).
    tree = ast.parse((ROOT / "matching" / "services.py").read_text())
    assert {f for f, _line, _value in _status_writes(tree)} == {
        "_referral_status",
        "_match_status",
    }
