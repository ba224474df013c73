"""The coordinator's and the national admin's lists of volunteers at national scale: a page of
50 with the total, the filters kept in the page links, and no query per row."""

import re

import pytest
from django.urls import reverse

from accounts.models import Association
from tests.conftest import login
from tests.factories import AssociationFactory, volunteer
from tests.querycount import assert_constant_queries
from volunteers.models import ConfidentialityDeclaration, Status, Volunteer

pytestmark = pytest.mark.django_db


def links(html: str) -> list[str]:
    """The pagination's links, unescaped."""
    return [href.replace("&amp;", "&") for href in re.findall(r'href="(\?[^"]*)"', html)]


# --- /frivillige/ ------------------------------------------------------------------------------


def test_the_list_has_no_cap_a_page_at_a_time_with_the_count(client, oslo, coordinator_oslo):
    for n in range(53):
        volunteer(oslo, first_name=f"Fri{n:02d}", last_name="Lie")
    login(client, coordinator_oslo)

    first = client.get(reverse("volunteer_list"))
    assert len(first.context["page"].object_list) == 50
    html = first.content.decode()
    assert "Fri00 Lie" in html and "Fri49 Lie" in html and "Fri50 Lie" not in html
    assert "Viser 1–50 av 53" in html

    second = client.get(reverse("volunteer_list"), {"side": 2}).content.decode()
    assert "Fri50 Lie" in second and "Fri52 Lie" in second and "Fri49 Lie" not in second
    assert "Viser 51–53 av 53" in second


def test_the_page_links_keep_the_filters(client, oslo, coordinator_oslo):
    for n in range(52):
        volunteer(oslo, first_name=f"Sol{n:02d}", last_name="Berg", status=Status.SCREENING)
    volunteer(oslo, first_name="Applied", last_name="Only", status=Status.APPLIED)
    login(client, coordinator_oslo)

    html = client.get(reverse("volunteer_list"), {"status": "screening"}).content.decode()
    assert "Viser 1–50 av 52" in html and "Applied Only" not in html
    assert links(html) == ["?status=screening&side=2"]
    second = client.get(reverse("volunteer_list"), {"status": "screening", "side": 2})
    html = second.content.decode()
    assert "Sol50 Berg" in html and "Sol51 Berg" in html and "Viser 51–52 av 52" in html
    assert links(html) == ["?status=screening&side=1"]


def test_the_page_links_keep_the_search_by_its_id_never_its_text(client, oslo, coordinator_oslo):
    for n in range(51):
        volunteer(oslo, first_name=f"Selam{n:02d}", last_name="Tesfaye")
    volunteer(oslo, first_name="Berit", last_name="Lie")
    login(client, coordinator_oslo)

    searched = client.post(reverse("volunteer_list"), {"q": "tesfaye", "status": ""})
    address = searched["Location"]
    assert "tesfaye" not in address.lower()
    html = client.get(address).content.decode()
    assert "Viser 1–50 av 51" in html and "Berit Lie" not in html
    (next_page,) = links(html)
    assert "tesfaye" not in next_page.lower() and "side=2" in next_page
    html = client.get(reverse("volunteer_list") + next_page).content.decode()
    assert "Selam50 Tesfaye" in html and "Viser 51–51 av 51" in html
    assert 'value="tesfaye"' in html  # the search box still shows what she typed


def test_the_pages_take_the_same_number_of_queries_for_few_and_many(client, oslo, coordinator_oslo):
    login(client, coordinator_oslo)
    grow = lambda n: [volunteer(oslo, status=Status.SCREENING) for _ in range(n)]  # noqa: E731
    assert_constant_queries(client, reverse("volunteer_list") + "?status=screening", grow)


# --- /frivillige/taushetserklaering/ ------------------------------------------------------------


def test_the_confidentiality_overview_is_paged_with_a_fixed_number_of_queries(
    client, oslo, coordinator_oslo
):
    ConfidentialityDeclaration.objects.create(version=1, text="Taushet.")
    login(client, coordinator_oslo)
    grow = lambda n: [volunteer(oslo, status=Status.APPROVED) for _ in range(n)]  # noqa: E731
    assert_constant_queries(client, reverse("confidentiality_overview"), grow)
    grow(25)  # 55 in all
    html = client.get(reverse("confidentiality_overview")).content.decode()
    assert "Viser 1–50 av 55" in html and 'href="?side=2"' in html


# --- /frivillige/utenfor-omrade/ --------------------------------------------------------------


def outside(association: Association, n: int, **fields) -> list[Volunteer]:
    return [
        volunteer(association, status=Status.APPLIED, outside_area=True, **fields) for _ in range(n)
    ]


def test_outside_area_one_list_of_associations_for_the_page_not_one_per_application(
    client, oslo, bergen, national_admin
):
    for n in range(20):
        AssociationFactory(name=f"Sanitetsforening {n:02d}")
    outside(bergen, 52)
    login(client, national_admin)

    response = client.get(reverse("volunteer_outside_area"))
    html = response.content.decode()
    assert html.count("<select") == 1
    assert html.count('name="volunteer"') == 50 and html.count('type="radio"') == 50
    assert "Viser 1–50 av 52" in html
    second = client.get(reverse("volunteer_outside_area"), {"side": 2}).content.decode()
    assert second.count('name="volunteer"') == 2


def test_outside_area_sends_the_chosen_application(client, oslo, bergen, national_admin):
    first, second = outside(bergen, 2)
    login(client, national_admin)

    response = client.post(
        reverse("volunteer_outside_area"),
        {"volunteer": str(second.public_id), "association": str(oslo.public_id)},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [f"Søknaden ble sendt til {oslo}."]
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.association, first.association) == (oslo, bergen)


def test_outside_area_without_a_chosen_application_says_so_and_sends_nothing(
    client, oslo, bergen, national_admin
):
    (application,) = outside(bergen, 1)
    login(client, national_admin)

    response = client.post(
        reverse("volunteer_outside_area") + "?side=1",
        {"association": str(oslo.public_id)},
    )

    assert response.status_code == 302 and response["Location"].endswith("?side=1")
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert messages == ["Velg søknaden som skal sendes."]
    application.refresh_from_db()
    assert application.association == bergen


def test_outside_area_takes_the_same_number_of_queries_for_few_and_many(
    client, bergen, national_admin
):
    login(client, national_admin)
    assert_constant_queries(client, reverse("volunteer_outside_area"), lambda n: outside(bergen, n))
