"""What a coordinator or an admin searches for (a name, an email address, a phone number) never
goes into an address: not the form's, not a redirect's, not a link's on the page of results.
The text is kept in the session (common/searches.py); the address carries `?sok=<id>`.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from accounts.admin_site import SearchKeptInSession
from accounts.models import Role
from common import searches
from tests.conftest import login
from tests.factories import person, volunteer

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
URL_ATTRIBUTE = re.compile(r"""(?:href|src|action|hx-get|hx-post|data-url)\s*=\s*["']([^"']*)""")


@pytest.fixture
def astrid(oslo):
    return volunteer(
        oslo,
        first_name="Astrid",
        last_name="Kvamsdal",
        email="astrid.kvamsdal@example.no",
        phone="+4791234567",
    )


@pytest.fixture
def berit(oslo):
    return volunteer(
        oslo,
        first_name="Berit",
        last_name="Lien",
        email="berit.lien@example.no",
        phone="+4798765432",
        status="screening",
    )


def parts(text: str) -> list[str]:
    """The pieces of a searched text that would give it away in an address."""
    return [word.lower() for word in re.split(r"[\s@.+]+", text) if len(word) >= 3]


def addresses(response) -> list[str]:
    """Every address the search made a browser request or offered it: the POST's, each
    redirect's, the page's own, and every link, source and form action on the page."""
    request = response.wsgi_request
    found = [url for url, _ in response.redirect_chain]
    found.append(request.get_full_path())
    found += URL_ATTRIBUTE.findall(response.content.decode())
    return found


def search(client, text: str, **codes):
    return client.post(reverse("volunteer_list"), {"q": text, **codes}, follow=True)


@pytest.mark.parametrize(
    "text", ["Astrid", "kvamsdal", "astrid.kvamsdal@example.no", "91234567", "Astrid Kvam"]
)
def test_the_volunteer_search_finds_her_and_no_address_carries_the_text(
    client, coordinator_oslo, astrid, berit, text
):
    login(client, coordinator_oslo)
    response = search(client, text)
    html = response.content.decode()
    assert response.status_code == 200
    assert astrid.get_absolute_url() in html and berit.get_absolute_url() not in html
    # The box keeps what she typed.
    assert f'value="{text}"' in html
    assert response.redirect_chain[0][0].startswith(f"{reverse('volunteer_list')}?sok=")
    leaks = [url for url in addresses(response) for part in parts(text) if part in url.lower()]
    assert leaks == []


def test_the_codes_stay_in_the_address_with_the_search_id(client, coordinator_oslo, astrid, berit):
    login(client, coordinator_oslo)
    response = search(client, "a", status="screening", language="no")
    url = response.redirect_chain[0][0]
    assert re.fullmatch(r"/frivillige/\?status=screening&language=no&sok=[\w-]+", url), url
    html = response.content.decode()
    assert berit.get_absolute_url() in html and astrid.get_absolute_url() not in html
    # Back to the list with no search: the address has no id, and both are shown.
    cleared = client.post(reverse("volunteer_list"), {"q": ""}, follow=True)
    assert cleared.redirect_chain == [(reverse("volunteer_list"), 302)]
    assert astrid.get_absolute_url() in cleared.content.decode()


def test_the_same_search_again_keeps_its_id(client, coordinator_oslo, astrid):
    login(client, coordinator_oslo)
    first = search(client, "Astrid").redirect_chain[0][0]
    search(client, "Berit")
    assert search(client, "Astrid").redirect_chain[0][0] == first


def test_a_search_id_means_nothing_in_another_session_or_after_an_hour(
    client, oslo, coordinator_oslo, astrid, berit
):
    login(client, coordinator_oslo)
    url = search(client, "Astrid").redirect_chain[0][0]
    colleague = Client()
    login(colleague, person(Role.COORDINATOR, place=oslo, email="kollega@oslo.example"))
    responses = [colleague.get(url)]
    session = client.session
    for entry in session[searches.SESSION_KEY].values():
        entry[1] -= searches.LIFETIME + 1  # kept an hour ago
    session.save()
    responses.append(client.get(url))
    for response in responses:
        html = response.content.decode()
        assert re.findall(r'<input[^>]*name="q"[^>]*>', html)[0].find("Astrid") == -1
        assert gettext("This search has expired. Please search again.") in html
        # Nothing is filtered by a text she cannot see.
        assert berit.get_absolute_url() in html


def test_an_old_address_with_the_text_in_it_searches_nothing(
    client, coordinator_oslo, astrid, berit
):
    login(client, coordinator_oslo)
    html = client.get(reverse("volunteer_list"), {"q": "Astrid"}).content.decode()
    assert berit.get_absolute_url() in html and 'value="Astrid"' not in html


def test_another_association_finds_nobody_of_ours(client, coordinator_bergen, astrid):
    login(client, coordinator_bergen)
    html = search(client, "Astrid").content.decode()
    assert astrid.get_absolute_url() not in html and "Kvamsdal" not in html


# --- The admin's search boxes -----------------------------------------------------------------


def test_the_admin_search_finds_and_keeps_the_text_out_of_every_address(
    client, superuser_admin, coordinator_oslo, coordinator_bergen
):
    login(client, superuser_admin)
    changelist = reverse("admin:accounts_user_changelist")
    response = client.post(
        f"{changelist}?is_active__exact=1&o=2",
        {"q": "hanne@oslo", "_search": "1", "is_active__exact": "1", "o": "2"},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert coordinator_oslo.email in html and coordinator_bergen.email not in html
    assert 'value="hanne@oslo"' in html
    url = response.redirect_chain[0][0]
    assert re.fullmatch(rf"{changelist}\?is_active__exact=1&o=2&sok=[\w-]+", url), url
    leaks = [u for u in addresses(response) for part in parts("hanne@oslo") if part in u.lower()]
    assert leaks == []
    # Sorting and filtering links keep the search by its id.
    sort_links = [u for u in URL_ATTRIBUTE.findall(html) if u.startswith("?") and "o=" in u]
    assert sort_links and all("sok=" in u for u in sort_links)
    resorted = client.get(f"{changelist}{sort_links[0].replace('&amp;', '&')}")
    assert coordinator_bergen.email not in resorted.content.decode()


def test_every_admin_search_box_keeps_its_text_out_of_the_address():
    plain = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if model_admin.search_fields and not isinstance(model_admin, SearchKeptInSession)
    ]
    assert plain == []


def test_the_only_forms_that_send_by_get_carry_codes():
    """A form sent by GET puts its fields in the address: only the statistics' period and
    dates may (see docs/security.md). A new one must post, or be added here with a reason."""
    allowed = {
        "reports/templates/reports/statistics.html",
        # The log's filters: a person picked from a list (her public id), a case's id (the field
        # takes only an id's characters, and the browser will not send anything else) and dates.
        "templates/pages/audit_log.html",
        # allauth's form element, whose page names the method: all of ours post (its only GET
        # page, the OIDC provider's device code, is not mounted).
        "templates/allauth/elements/form.html",
        # «Approve as ressursvenn» opens the question before approving (a GET without a field:
        # the address is the approval page's own, her public id).
        "volunteers/templates/volunteers/volunteer_detail.html",
    }
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    assert len(templates) > 50
    found = {
        str(path.relative_to(ROOT))
        for path in templates
        if re.search(r"<form\b(?![^>]*method=\"post\")[^>]*>", path.read_text(), re.I)
    }
    assert found <= allowed, found - allowed
