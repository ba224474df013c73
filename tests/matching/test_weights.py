"""National admins adjust the matching weights; suggestions use and show them; changes are logged."""

import re

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from matching import services
from matching.models import MatchingWeights
from tests.conftest import login as login_both_steps

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "distance": 25,
    "language": 25,
    "needs": 15,
    "availability": 10,
    "age": 5,
    "waiting": 10,
    "experience": 10,
}


def login(client, user) -> None:
    """Logged in, reading the English interface (logging out forgets the language cookie)."""
    login_both_steps(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def weights_post(**overrides) -> dict:
    return {**{part: str(value) for part, value in DEFAULTS.items()}, **overrides}


def _footnote(html: str) -> str:
    found = re.search(r"Weights used:(.*?)\.", html, re.S)
    assert found, "the suggestion page shows the weights used"
    return " ".join(found.group(1).split())


def test_a_weight_changed_on_the_page_is_used_and_shown_by_the_suggestions(
    client, oslo, coordinator_oslo, national_admin, make_volunteer, make_referral
):
    make_volunteer(oslo, first_name="Nora")
    referral = make_referral(oslo)
    suggestions = reverse("referral_suggestions", args=[referral.public_id])
    login(client, coordinator_oslo)
    before = client.get(suggestions).content.decode()
    assert "Language 25" in _footnote(before)
    score_before = re.search(r"Score <strong>(\d+)</strong>", before).group(1)

    client.logout()
    login(client, national_admin)
    response = client.post(reverse("matching_weights"), weights_post(language="60", waiting="0"))
    assert response.status_code == 302
    assert MatchingWeights.current() == {**DEFAULTS, "language": 60, "waiting": 0}

    client.logout()
    login(client, coordinator_oslo)
    after = client.get(suggestions).content.decode()
    footnote = _footnote(after)
    assert "Language 60" in footnote and "Waiting time 0" in footnote
    assert "Language 25" not in footnote
    # The score itself is computed with the new weights (she speaks the woman's language).
    assert re.search(r"Score <strong>(\d+)</strong>", after).group(1) != score_before


def test_the_change_is_recorded_with_who_and_what_and_shown_on_the_page(client, national_admin):
    login(client, national_admin)
    client.post(reverse("matching_weights"), weights_post(distance="40"))
    entry = LogEntry.objects.get_for_model(MatchingWeights).get()
    assert entry.actor == national_admin
    assert entry.changes_dict == {"distance": ["25", "40"]}
    html = client.get(reverse("matching_weights")).content.decode()
    assert "Distance 25 → 40" in html
    assert escape(national_admin.get_full_name()) in html
    # The change history of the log page (its second tab) shows it too.
    changes = client.get(reverse("audit_log") + "?vis=endringer").content.decode()
    assert "matching weights" in changes


@pytest.mark.parametrize(
    ("field", "typed"),
    [("language", "101"), ("language", "-1"), ("needs", "2.5"), ("age", "mye"), ("waiting", "")],
)
def test_bad_input_is_shown_beside_the_field_kept_and_changes_nothing(
    client, national_admin, field, typed
):
    login(client, national_admin)
    response = client.post(
        reverse("matching_weights"), weights_post(distance="30", **{field: typed})
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {field: ["Give a whole number from 0 to 100."]}
    html = response.content.decode()
    assert f'id="error_1_id_{field}"' in html  # crispy puts the message under the field
    assert 'value="30"' in html  # what she typed stays
    if typed:
        assert f'value="{typed}"' in html
    assert not MatchingWeights.objects.exists()
    assert not LogEntry.objects.get_for_model(MatchingWeights).exists()


def test_all_weights_zero_is_refused(client, national_admin):
    login(client, national_admin)
    response = client.post(reverse("matching_weights"), dict.fromkeys(MatchingWeights.PARTS, "0"))
    assert response.status_code == 400
    assert "At least one weight must be above 0." in response.content.decode()
    assert MatchingWeights.current() == DEFAULTS


def test_restore_defaults(client, national_admin):
    login(client, national_admin)
    client.post(reverse("matching_weights"), weights_post(language="70", age="0"))
    assert MatchingWeights.current()["language"] == 70
    response = client.post(reverse("matching_weights_restore"), follow=True)
    assert MatchingWeights.current() == DEFAULTS
    assert "2 weights changed" in response.content.decode()
    newest = LogEntry.objects.get_for_model(MatchingWeights).order_by("-pk").first()
    assert newest.actor == national_admin
    assert newest.changes_dict == {"language": ["70", "25"], "age": ["0", "5"]}


def test_saving_unchanged_weights_writes_nothing(national_admin):
    assert services.matching_weights_update(values=dict(DEFAULTS), by=national_admin) == {}
    assert not MatchingWeights.objects.exists()
    assert not LogEntry.objects.get_for_model(MatchingWeights).exists()


@pytest.mark.parametrize(
    "values",
    [
        {**DEFAULTS, "language": 101},
        {**DEFAULTS, "language": -1},
        {**DEFAULTS, "language": 2.5},
        {**DEFAULTS, "language": True},
        dict.fromkeys(DEFAULTS, 0),
        {k: v for k, v in DEFAULTS.items() if k != "age"},
        {**DEFAULTS, "charm": 5},
    ],
)
def test_the_service_refuses_what_the_form_would(national_admin, values):
    with pytest.raises(services.MatchingError):
        services.matching_weights_update(values=values, by=national_admin)
    assert MatchingWeights.current() == DEFAULTS
    assert not LogEntry.objects.get_for_model(MatchingWeights).exists()


def test_the_service_updates_one_row(national_admin):
    services.matching_weights_update(values={**DEFAULTS, "needs": 20}, by=national_admin)
    changed = services.matching_weights_update(
        values={**DEFAULTS, "needs": 20, "age": 9}, by=national_admin
    )
    assert changed == {"age": (5, 9)}
    assert MatchingWeights.objects.count() == 1
    assert MatchingWeights.current() == {**DEFAULTS, "needs": 20, "age": 9}


def test_only_national_admins_reach_the_page(
    client, coordinator_oslo, shelter_worker_oslo, volunteer_oslo, stranger
):
    for person in (coordinator_oslo, shelter_worker_oslo, volunteer_oslo, stranger):
        client.logout()
        login(client, person)
        assert client.get(reverse("matching_weights")).status_code == 403
        assert (
            client.post(reverse("matching_weights"), weights_post(language="99")).status_code == 403
        )
        assert client.post(reverse("matching_weights_restore")).status_code == 403
    client.logout()
    assert client.get(reverse("matching_weights")).status_code == 302  # to the login
    assert not MatchingWeights.objects.exists()


def test_the_national_admin_start_page_links_to_the_weights(client, national_admin):
    login(client, national_admin)
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("matching_weights")}"' in html


# Session, user, roles, two-step, the weights, the bell, the history; the session save (3).
QUERIES = 5


def test_the_page_makes_a_fixed_number_of_queries(
    client, national_admin, django_assert_num_queries
):
    login(client, national_admin)
    client.get(reverse("matching_weights"))  # content types cached
    with django_assert_num_queries(QUERIES):
        client.get(reverse("matching_weights"))
    for value in range(1, 15):
        services.matching_weights_update(values={**DEFAULTS, "age": value}, by=national_admin)
    with django_assert_num_queries(QUERIES):
        client.get(reverse("matching_weights"))
