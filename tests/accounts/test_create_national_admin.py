"""`manage.py create_national_admin EMAIL`: the first national admin, without a shell."""

import re
import time
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Invitation, Role, User
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "sommer-ved-fjorden-42"
LINK = re.compile(r"http://127\.0\.0\.1:8000(/invitasjon/[^/\s]+/)")


def run(*args) -> str:
    out = StringIO()
    call_command("create_national_admin", *args, stdout=out)
    return out.getvalue()


def accept_and_set_up_two_steps(client, path: str) -> User:
    """She follows the link, chooses her password, and sets up her authenticator app."""
    response = client.post(
        path,
        {
            "first_name": "Ingrid",
            "last_name": "Berg",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    # Nothing but setting up two-step login until it is done.
    assert client.get("/")["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    assert client.post(reverse("mfa_activate_totp"), {"code": code}).status_code == 302
    user = User.objects.get(email="ingrid@nks.example")
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get("/").status_code == 200
    return user


def test_it_emails_her_a_single_use_invitation_to_the_national_admin_role(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = run("Ingrid@NKS.example")

    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("ingrid@nks.example", Role.NATIONAL_ADMIN)
    assert invitation.association is None and invitation.shelter is None
    assert invitation.status == Invitation.Status.PENDING
    assert "ingrid@nks.example" in output and "/invitasjon/" not in output
    [message] = mail.outbox
    assert message.to == ["ingrid@nks.example"]
    assert message.subject == "Invitasjon til Ressursvenner"
    path = LINK.search(message.body).group(1)

    user = accept_and_set_up_two_steps(client, path)
    membership = user.memberships.get()
    assert (membership.role, membership.ended_at) == (Role.NATIONAL_ADMIN, None)
    assert not user.is_superuser and not user.is_staff  # a role, not a Django superuser

    client.logout()
    assert client.get(path).status_code == 410  # single use


def test_with_print_link_it_prints_the_link_and_sends_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = run("ingrid@nks.example", "--print-link")

    assert mail.outbox == [] and not OutboxMessage.objects.exists()
    invitation = Invitation.objects.get()
    assert invitation.role == Role.NATIONAL_ADMIN
    path = LINK.search(output).group(1)
    assert invitation.token_hash not in output  # the token is in the link, only its hash stored

    user = accept_and_set_up_two_steps(client, path)
    assert user.memberships.get().role == Role.NATIONAL_ADMIN


def test_running_it_again_withdraws_the_first_link(client):
    first = LINK.search(run("ingrid@nks.example", "--print-link")).group(1)
    second = LINK.search(run("ingrid@nks.example", "--print-link")).group(1)
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    assert Invitation.objects.pending().count() == 1


@pytest.mark.parametrize("email", ["ingrid", "ingrid@", "ingrid @nks.example", ""])
def test_a_bad_email_is_refused_in_one_line(email):
    with pytest.raises(CommandError) as refused:
        run(email)
    assert str(refused.value) == f"Not a valid email address: {email.strip()!r}"
    assert not Invitation.objects.exists()


def test_an_existing_national_admin_is_told_she_has_the_role(national_admin):
    with pytest.raises(CommandError, match="allerede denne rollen"):
        run(national_admin.email)
    assert not Invitation.objects.exists()
