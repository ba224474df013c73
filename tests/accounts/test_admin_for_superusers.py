"""Django's admin stays for superusers in an emergency (issue 17, item 11): a national admin
who is no superuser is sent to her own pages (/admin-nks/) with a word on why; a superuser who
acts as national admin and has passed two-step login gets in."""

import pytest
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse

from accounts.admin_site import may_use_admin
from accounts.models import Role
from tests.conftest import login
from tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/accounts/association/", "/admin/login/?next=/admin/"]
)
def test_a_national_admin_who_is_no_superuser_is_sent_to_her_own_pages(
    client, national_admin, path
):
    login(client, national_admin)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("natadmin")
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert said == [
        "Django-administrasjonen er bare for nødstilfeller og superbrukere. "
        "Det du trenger, finner du her."
    ]
    # And her own pages open.
    assert client.get(reverse("natadmin")).status_code == 200


def test_a_national_admin_who_is_no_superuser_changes_nothing_through_the_admin(
    client, national_admin
):
    from accounts.models import Association

    login(client, national_admin)
    response = client.post(
        reverse("admin:accounts_association_add"), {"name": "Ny forening", "is_active": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("natadmin")
    assert not Association.objects.filter(name="Ny forening").exists()


def test_a_superuser_acting_as_national_admin_gets_in(client, superuser_admin):
    login(client, superuser_admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/association/").status_code == 200


def test_the_emergency_link_is_shown_to_superusers_only(client, national_admin, superuser_admin):
    login(client, national_admin)
    assert reverse("admin:index") not in client.get(reverse("natadmin")).content.decode()
    client.logout()
    login(client, superuser_admin)
    assert reverse("admin:index") in client.get(reverse("natadmin")).content.decode()


def test_a_superuser_in_another_role_or_without_the_second_step_is_not_let_in(oslo):
    superuser = person(Role.COORDINATOR, place=oslo, is_superuser=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    request.membership = superuser.memberships.get()
    request.session = {}
    assert not may_use_admin(request)  # a coordinator, superuser or not

    admin = person(Role.NATIONAL_ADMIN, is_superuser=True)
    request.user, request.membership = admin, admin.memberships.get()
    request.session = {}
    assert not may_use_admin(request)  # no second step in this session
    request.session = {"rv_two_step_enrolled": True}
    assert may_use_admin(request)
