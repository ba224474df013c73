import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import assert_no_inline_code, assert_nothing_from_other_origins

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["home", "privacy", "become_volunteer"]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_are_norwegian_by_default_even_for_an_english_browser(client: Client, name):
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nb">' in html
    assert "Hopp til hovedinnholdet" in html  # the skip link
    assert "Personvernerklæring" in html
    assert_no_inline_code(html)
    assert_nothing_from_other_origins(html)


def test_the_landing_page_says_what_it_is_and_links_to_becoming_a_volunteer(client: Client):
    html = client.get("/").content.decode()
    assert "En venn for en ny start" in html
    assert 'href="/bli-ressursvenn/"' in html


def test_the_language_switch_changes_the_language_and_keeps_the_page(client: Client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/personvern/"})
    assert response.status_code == 302
    assert response["Location"] == "/personvern/"
    html = client.get("/personvern/").content.decode()
    assert '<html lang="en">' in html
    assert "Privacy notice" in html
    assert "Personvernerklæring" not in html
    assert 'value="nb"' in html  # and the way back
    client.post(reverse("set_language"), {"language": "nb", "next": "/"})
    assert "En venn for en ny start" in client.get("/").content.decode()


def test_an_unknown_language_cookie_falls_back_to_norwegian(client: Client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert '<html lang="nb">' in client.get("/").content.decode()


def test_becoming_a_volunteer_states_the_minimum_age_from_settings(client: Client, settings):
    settings.VOLUNTEER_MINIMUM_AGE = 27
    html = client.get(reverse("become_volunteer")).content.decode()
    assert "Du er 27 år eller eldre." in html
    assert "bare kvinner" in html


def test_a_missing_page_gets_the_norwegian_404_in_the_layout(client: Client):
    response = client.get("/finnes-ikke/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Siden finnes ikke" in html
    assert "Hopp til hovedinnholdet" in html


def test_errors_400_403_and_500_render_in_the_layout(rf):
    from ressursvenner import views

    request = rf.get("/")
    assert "Noe var galt med forespørselen" in views.bad_request(request).content.decode()
    forbidden = views.permission_denied(request)
    assert forbidden.status_code == 403
    assert "Du har ikke tilgang til denne siden" in forbidden.content.decode()
    failed = views.server_error(request)
    assert failed.status_code == 500
    assert "Noe gikk galt" in failed.content.decode()


def test_an_unhandled_error_gives_the_500_page(client: Client, settings):
    settings.ROOT_URLCONF = "tests.urls_failing"
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Noe gikk galt" in response.content.decode()


def test_static_files_come_from_our_own_server(client: Client):
    html = client.get("/").content.decode()
    assert "/static/css/bootstrap.css" in html
    assert "/static/css/app.css" in html


def test_every_page_loads_only_our_script(client: Client):
    # A volunteer's phone downloads this on every page: nothing else is loaded unasked (no page
    # needs Bootstrap's JavaScript).
    html = client.get("/").content.decode()
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]*)\"", html)
    assert scripts == ["/static/js/app.js"]


def test_security_txt_says_where_to_report(client, settings):
    settings.SECURITY_CONTACT = "mailto:sikkerhet@example.no"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert "Contact: mailto:sikkerhet@example.no" in response.content.decode()
    assert "Expires: " in response.content.decode()
