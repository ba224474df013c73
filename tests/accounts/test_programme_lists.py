"""The programme's lists on the national admin's own pages: names in both languages, order,
deactivation instead of deletion, new entries with the next free bit — and who may."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.lists import MAX_FLAGS, registered
from accounts.models import ListEntry
from matching.models import ACTIVITIES, MATCH_END_REASONS, EndReason
from tests.conftest import login
from tests.querycount import queries_for
from volunteers.forms import ApplicationForm
from volunteers.models import NEEDS, Strength

pytestmark = pytest.mark.django_db

NEEDS_PAGE = reverse("programme_list", args=["behov"])
NETWORK_PAGE = reverse("programme_list_entry", args=["behov", Strength.NETWORK.value])


def change(value, **data):
    return reverse("programme_list_entry_change", args=["behov", value]), data


def offered(form_class=ApplicationForm, field="strengths") -> list:
    form = form_class()
    return [value for value, _name in form[field].field.choices]


@pytest.fixture
def admin(client, national_admin):
    login(client, national_admin)
    return client


# --- Who may --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["coordinator_oslo", "shelter_worker_oslo", "volunteer_oslo", "stranger"]
)
def test_only_a_national_admin_sees_or_changes_the_lists(client, request, who):
    login(client, request.getfixturevalue(who))
    pages = [
        reverse("programme_lists"),
        NEEDS_PAGE,
        NETWORK_PAGE,
    ]
    for url in pages:
        assert client.get(url).status_code == 403, url
    assert client.post(NEEDS_PAGE, {"name_nb": "Ny", "name_en": "New"}).status_code == 403
    url, data = change(1, i_bruk="0")
    assert client.post(url, data).status_code == 403
    assert client.post(NETWORK_PAGE, {"name_nb": "X", "name_en": "Y"}).status_code == 403
    assert not ListEntry.objects.exists()


def test_every_list_has_its_page_and_the_menu_links_them(admin):
    html = admin.get(reverse("programme_lists")).content.decode()
    assert 'href="/lister/"' in html  # the menu
    for programme_list in registered():
        assert reverse("programme_list", args=[programme_list.slug]) in html
        assert admin.get(reverse("programme_list", args=[programme_list.slug])).status_code == 200
    assert "Behov og styrker" in html and "Bygge nettverk" in html
    assert admin.get(reverse("programme_list", args=["finnes-ikke"])).status_code == 404
    assert admin.get(reverse("programme_list_entry", args=["behov", "3"])).status_code == 404
    assert admin.get(reverse("programme_list_entry", args=["behov", "x"])).status_code == 404


# --- Names ----------------------------------------------------------------------------------


def test_a_new_name_shows_in_the_forms_and_on_old_records_in_both_languages(admin, oslo):
    from tests.factories import volunteer

    before = volunteer(oslo, strengths=Strength.NETWORK | Strength.HOUSING)
    response = admin.post(NETWORK_PAGE, {"name_nb": "Nytt nettverk", "name_en": "New network"})
    assert response.status_code == 302
    assert response["Location"] == NEEDS_PAGE

    assert dict(ApplicationForm().fields["strengths"].choices)[1] == "Nytt nettverk"
    assert before.strength_labels == ["Nytt nettverk", "Bolig"]
    with translation.override("en"):
        assert dict(ApplicationForm().fields["strengths"].choices)[1] == "New network"
        assert before.strength_labels == ["New network", "Housing"]
    # The public application page, in each language.
    admin.logout()
    assert "Nytt nettverk" in admin.get(reverse("become_volunteer")).content.decode()
    admin.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = admin.get(reverse("become_volunteer")).content.decode()
    assert "New network" in html and "Nytt nettverk" not in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name_nb": "Nytt", "name_en": ""}, "name_en", "Fyll ut dette feltet."),
        ({"name_nb": "", "name_en": "New"}, "name_nb", "Fyll ut dette feltet."),
        (
            {"name_nb": "bolig", "name_en": "Networks"},
            "name_nb",
            "En annen oppføring i listen har allerede dette navnet.",
        ),
        (
            {"name_nb": "Nettverk", "name_en": "JOB SEARCH"},
            "name_en",
            "En annen oppføring i listen har allerede dette navnet.",
        ),
    ],
)
def test_both_names_are_required_and_unique_in_the_list(admin, data, field, message):
    response = admin.post(NETWORK_PAGE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="error_1_id_{field}"' in html  # next to the field
    for value in data.values():
        assert f'value="{value}"' in html or not value  # what she typed is kept
    assert not ListEntry.objects.exists()
    assert NEEDS.entry(1).name_nb == "Bygge nettverk"


# --- Order ----------------------------------------------------------------------------------


def test_moving_an_entry_changes_the_order_the_forms_offer(admin):
    assert offered()[:3] == [1, 2, 4]
    url, data = change(Strength.HOUSING.value, flytt="opp")
    response = admin.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == f"{NEEDS_PAGE}#oppforing-4"
    assert offered()[:3] == [1, 4, 2]
    url, data = change(Strength.NETWORK.value, flytt="ned")
    admin.post(url, data)
    assert offered()[:3] == [4, 1, 2]
    # The top cannot move up: nothing changes.
    url, data = change(Strength.HOUSING.value, flytt="opp")
    admin.post(url, data)
    assert offered()[:3] == [4, 1, 2]
    html = admin.get(NEEDS_PAGE).content.decode()
    assert html.index("Bolig") < html.index("Bygge nettverk") < html.index("Jobbsøking")
    # Every entry has its row, numbered 0, 1, 2, ...
    rows = ListEntry.objects.filter(list_key="needs").order_by("position")
    assert [r.position for r in rows] == list(range(len(Strength)))


def test_a_bad_change_is_refused_without_a_server_error(admin):
    url, _data = change(1)
    assert admin.post(url, {"flytt": "sidelengs"}).status_code == 400
    assert admin.get(url).status_code == 405
    assert not ListEntry.objects.exists()


# --- Deactivation ---------------------------------------------------------------------------


def test_a_deactivated_entry_is_no_longer_offered_but_old_records_keep_and_show_it(admin, oslo):
    from tests.factories import volunteer

    old = volunteer(oslo, strengths=Strength.JOB_SEARCH | Strength.HOUSING)
    url, data = change(Strength.JOB_SEARCH.value, i_bruk="0")
    response = admin.post(url, data, follow=True)
    assert "tilbys ikke lenger" in response.content.decode()
    assert ListEntry.objects.get(list_key="needs", value="2").active is False

    assert 2 not in offered()
    assert old.strength_labels == ["Jobbsøking", "Bolig"]
    # Editing her profile still offers it, ticked, so that saving does not drop it.
    from volunteers.forms import ProfileForm

    kept = ProfileForm(initial={"strengths": old.strengths})
    assert 2 in [value for value, _name in kept["strengths"].field.choices]
    bound = ProfileForm(
        {"phone": "+4791234567", "languages": ["no"], "availability": ["1"], "strengths": ["2"]},
        initial={"strengths": old.strengths},
    )
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["strengths"] == 2
    # A new application cannot choose it.
    fresh = ApplicationForm({"strengths": ["2"]})
    fresh.is_valid()
    assert "strengths" in fresh.errors
    # The list page marks it, and it can be taken into use again.
    assert "Deaktivert" in admin.get(NEEDS_PAGE).content.decode()
    url, data = change(Strength.JOB_SEARCH.value, i_bruk="1")
    admin.post(url, data)
    assert 2 in offered()


def test_the_last_entry_in_use_cannot_be_deactivated():
    for entry in ACTIVITIES.entries()[1:]:
        services.list_entry_set_active(programme_list=ACTIVITIES, value=entry.value, active=False)
    last = ACTIVITIES.entries()[0].value
    with pytest.raises(services.ListError):
        services.list_entry_set_active(programme_list=ACTIVITIES, value=last, active=False)


# --- New entries ----------------------------------------------------------------------------


def test_a_new_entry_takes_the_next_free_bit_and_goes_last(admin):
    response = admin.post(NEEDS_PAGE, {"name_nb": "Førerkort", "name_en": "Driving licence"})
    assert response.status_code == 302
    entry = NEEDS.entries()[-1]
    assert (entry.value, entry.name, entry.active) == (256, "Førerkort", True)
    assert offered()[-1] == 256
    with translation.override("en"):
        assert NEEDS.labels(256 | 1) == ["Building a network", "Driving licence"]


def test_a_flags_list_is_full_at_the_bits_its_field_holds(admin):
    for n in range(MAX_FLAGS - len(Strength)):
        services.list_entry_add(programme_list=NEEDS, name_nb=f"Behov {n}", name_en=f"Need {n}")
    assert max(e.value for e in NEEDS.entries()) == 2**14  # fits a smallint
    html = admin.get(NEEDS_PAGE).content.decode()
    assert "Listen er full" in html and 'name="name_nb"' not in html
    response = admin.post(NEEDS_PAGE, {"name_nb": "En til", "name_en": "One more"})
    assert response.status_code == 400
    assert "Listen er full" in response.content.decode()
    assert len(NEEDS.entries()) == MAX_FLAGS


def test_a_list_of_reasons_the_statistics_count_takes_no_new_entry_but_can_be_renamed(admin):
    page = reverse("programme_list", args=["grunner-kobling"])
    html = admin.get(page).content.decode()
    assert "Statistikken teller hver grunn for seg" in html and 'name="name_nb"' not in html
    assert admin.post(page, {"name_nb": "Ny", "name_en": "New"}).status_code == 404
    admin.post(
        reverse("programme_list_entry", args=["grunner-kobling", "moved"]),
        {"name_nb": "Hun flyttet langt", "name_en": "She moved far"},
    )
    assert MATCH_END_REASONS.name(EndReason.MOVED) == "Hun flyttet langt"
    assert MATCH_END_REASONS.name("") == ""


# --- Cost -----------------------------------------------------------------------------------


def test_the_list_pages_ask_the_same_number_of_questions_however_much_was_changed(admin):
    urls = [reverse("programme_lists"), NEEDS_PAGE]
    for url in urls:
        admin.get(url)
    before = [queries_for(admin, url) for url in urls]
    for entry in NEEDS.entries():
        services.list_entry_rename(
            programme_list=NEEDS,
            value=entry.value,
            name_nb=f"{entry.name_nb}!",
            name_en=f"x{entry.value}",
        )
    for n in range(3):
        services.list_entry_add(programme_list=ACTIVITIES, name_nb=f"A{n}", name_en=f"B{n}")
    for url in urls:
        admin.get(url)
    after = [queries_for(admin, url) for url in urls]
    assert before == after
    # The session, the user and the bell; the lists come from the cache.
    assert after == [3, 3]


def test_the_lists_are_read_once_then_from_the_cache_until_one_changes(
    django_assert_num_queries,
):
    with django_assert_num_queries(1):
        NEEDS.labels(3)
        ACTIVITIES.labels(3)
    with django_assert_num_queries(0):
        for _ in range(50):
            NEEDS.labels(255)
    services.list_entry_rename(programme_list=NEEDS, value=1, name_nb="Nettverk", name_en="Net")
    with django_assert_num_queries(1):
        assert NEEDS.labels(1) == ["Nettverk"]


def test_the_change_history_records_who_changed_an_entry(admin, national_admin):
    from auditlog.models import LogEntry

    admin.post(NETWORK_PAGE, {"name_nb": "Nettverk", "name_en": "Network"})
    change_entry = LogEntry.objects.filter(
        content_type__model="listentry", action=LogEntry.Action.UPDATE
    ).get()
    assert change_entry.actor == national_admin
    assert set(change_entry.changes_dict) >= {"name_nb", "name_en"}
    html = admin.get(reverse("audit_log") + "?vis=endringer").content.decode()
    assert "listeoppføring" in html and "norsk navn" in html and "engelsk navn" in html


def test_ending_a_commitment_never_offers_a_renewal_and_follows_the_list():
    from volunteers.forms import CommitmentEndForm
    from volunteers.models import COMMITMENT_END_REASONS, CommitmentPeriod

    def reasons() -> list:
        return [value for value, _name in CommitmentEndForm()["reason"].field.choices]

    assert "renewed" not in reasons() and "health" in reasons()
    services.list_entry_set_active(
        programme_list=COMMITMENT_END_REASONS, value="health", active=False
    )
    assert "health" not in reasons()
    assert CommitmentPeriod(end_reason="health").get_end_reason_display() == "Helse"
    assert (
        CommitmentPeriod(end_reason="renewed").get_end_reason_display() == "Fornyet for ett år til"
    )


def test_her_profile_keeps_a_deactivated_strength_she_has_and_offers_it_to_no_one_else(
    client, oslo, volunteer_oslo
):
    from tests.factories import volunteer
    from volunteers.models import Status

    nora = volunteer(
        oslo,
        status=Status.APPROVED,
        user=volunteer_oslo,
        email=volunteer_oslo.email,
        strengths=Strength.JOB_SEARCH | Strength.HOUSING,
        languages=("no",),
    )
    services.list_entry_set_active(programme_list=NEEDS, value=2, active=False)
    login(client, volunteer_oslo)
    html = client.get(reverse("my_profile")).content.decode()
    assert re.search(r'name="strengths" value="2"[^>]*checked', html)
    response = client.post(
        reverse("my_profile"),
        {"phone": "+4791234567", "languages": ["no"], "availability": ["4"], "strengths": ["2"]},
    )
    assert response.status_code == 302
    nora.refresh_from_db()
    assert nora.strengths == 2
    # She unticks it: it is gone, and not offered again.
    client.post(
        reverse("my_profile"),
        {"phone": "+4791234567", "languages": ["no"], "availability": ["4"], "strengths": ["4"]},
    )
    nora.refresh_from_db()
    assert nora.strengths == 4
    assert 'name="strengths" value="2"' not in client.get(reverse("my_profile")).content.decode()


def test_a_new_consideration_can_be_what_a_course_qualifies_for():
    from courses.forms import CourseAdminForm
    from courses.models import CONSIDERATIONS, Course

    services.list_entry_add(
        programme_list=CONSIDERATIONS, name_nb="Rusproblemer", name_en="Substance abuse"
    )
    new = CONSIDERATIONS.entries()[-1].value
    assert new == 32
    assert (new, "Rusproblemer") in CourseAdminForm()["qualifies_for"].field.choices
    course = Course(title="Rus", kind="specialisation", qualifies_for=new | 1)
    assert course.qualification_labels == ["Æresrelatert vold", "Rusproblemer"]


@pytest.mark.django_db
def test_a_consideration_the_specialisation_rule_needs_is_never_deactivated():
    """Deactivated, shelters could no longer tick it and the matching's specialisation rule
    would silently stop applying to the women it protects."""
    from accounts import services
    from courses.models import CONSIDERATIONS, Consideration

    for value in (
        Consideration.HONOUR_VIOLENCE,
        Consideration.NEGATIVE_SOCIAL_CONTROL,
        Consideration.FORCED_MARRIAGE,
    ):
        with pytest.raises(services.ListError):
            services.list_entry_set_active(programme_list=CONSIDERATIONS, value=value, active=False)
    assert services.list_entry_set_active(
        programme_list=CONSIDERATIONS, value=Consideration.HAS_CHILDREN, active=False
    )
    assert all(e.active for e in CONSIDERATIONS.entries() if e.value != Consideration.HAS_CHILDREN)


@pytest.mark.django_db
def test_the_last_offered_reason_to_end_a_commitment_stays_even_beside_renewal():
    """Renewal is set by the system and never offered: it does not count as one in use."""
    from accounts import services
    from volunteers.models import COMMITMENT_END_REASONS

    offered = [
        e.value
        for e in COMMITMENT_END_REASONS.entries()
        if e.value not in COMMITMENT_END_REASONS.not_offered
    ]
    for value in offered[:-1]:
        services.list_entry_set_active(
            programme_list=COMMITMENT_END_REASONS, value=value, active=False
        )
    with pytest.raises(services.ListError):
        services.list_entry_set_active(
            programme_list=COMMITMENT_END_REASONS, value=offered[-1], active=False
        )
