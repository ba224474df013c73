"""Settings fail loudly without secrets or with development values in production, and the demo
commands refuse production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent
# What the settings read and the test's own environment (or `make`) may have set: each test says
# what it wants. ENV_FILE points away from the repository's .env, which a developer may have.
_NOT_INHERITED = {
    "DEBUG",
    "DEBUG_DEFAULT",
    "SECRET_KEY",
    "EMAIL_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "SITE_URL",
    "SECURITY_CONTACT",
    "CACHE_URL",
    "ENV_FILE",
    "AUDIT_LOG_KEYS",
    "LOG_FORMAT",
    "ADMINS",
    "SENTRY_DSN",
    "SENTRY_ENVIRONMENT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for the browser tests (tests/e2e/conftest.py), when collected
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
}


def _clean_environment(**env: str | None) -> dict[str, str]:
    """The test's environment without the variables above, plus `env` (None: left unset)."""
    clean = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    merged = {"ENV_FILE": str(ROOT / "tests" / "no-such.env"), **clean, **env}
    return {k: v for k, v in merged.items() if v is not None}


def _run(command: list[str], **env: str | None) -> subprocess.CompletedProcess:
    """`command` in the project folder, in the clean environment plus `env`."""
    return subprocess.run(
        command,
        cwd=ROOT,
        env=_clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", *args], **env)


def test_production_without_a_secret_key_refuses_to_start_and_says_why_in_one_line():
    result = _manage("check", DEBUG="false", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith("Refused to start: SECRET_KEY is not set")


def test_manage_py_on_a_fresh_clone_runs_in_development_mode():
    """With nothing set, manage.py is the developer's tool (as `make` is); the check of the
    models against the migrations works without any secret."""
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr


def test_the_web_server_defaults_to_production_and_refuses_without_secrets():
    result = _run([sys.executable, "-c", "import ressursvenner.wsgi"])
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


KEY = "q7Z2v3xk1wR0rZcO1dC0f0a4bE3mW5l7nJ9pT2sU4yA="


def test_production_without_allowed_hosts_refuses_to_start():
    result = _manage(
        "check", DEBUG="false", SECRET_KEY="x" * 60, FIELD_ENCRYPTION_KEYS=KEY, ALLOWED_HOSTS=""
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_without_encryption_keys_refuses_to_start():
    result = _manage("check", DEBUG="false", SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stderr


AUDIT_KEY = "k" * 43

# A production configuration that passes every rule; each test below breaks one thing in it.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3J9wq2LzX8vN5tR7yB1mC4pD6fG0hS2aE5uI8oP3lK9jH7gF1dQ6zW4xV2bN8m",
    "FIELD_ENCRYPTION_KEYS": KEY,
    "ALLOWED_HOSTS": "ressursvenner.example.org",
    "EMAIL_URL": "smtp+tls://ressursvenner:not-a-real-password@smtp.example.org:587",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "SITE_URL": "https://ressursvenner.example.org",
    "SECURITY_CONTACT": "mailto:sikkerhet@ressursvenner.example.org",
    "AUDIT_LOG_KEYS": AUDIT_KEY,
}


def test_production_without_an_audit_log_key_refuses_to_start():
    result = _manage("check", **{**PRODUCTION, "AUDIT_LOG_KEYS": None})
    assert result.returncode != 0
    assert "AUDIT_LOG_KEYS is not set" in result.stderr
    assert _manage("check", **PRODUCTION).returncode == 0


@pytest.mark.parametrize(
    "keys",
    ["too-short-to-be-a-key", f"{AUDIT_KEY},short", PRODUCTION["SECRET_KEY"], KEY],
    ids=["short", "one-of-two-short", "the-secret-key", "a-field-key"],
)
def test_a_weak_or_reused_audit_log_key_refuses_to_start(keys):
    result = _manage("check", **{**PRODUCTION, "AUDIT_LOG_KEYS": keys})
    assert result.returncode != 0
    assert "AUDIT_LOG_KEYS" in result.stderr


def test_in_debug_the_audit_log_key_is_derived_and_apart_from_the_other_keys(settings):
    (key,) = settings.AUDIT_LOG_KEYS
    assert len(key) >= 32
    assert key not in {settings.SECRET_KEY, *settings.FIELD_ENCRYPTION_KEYS}


def test_time_zone_language_and_primary_keys(settings):
    assert settings.TIME_ZONE == "Europe/Oslo"
    assert settings.LANGUAGE_CODE == "nb"
    assert settings.DEFAULT_AUTO_FIELD == "django.db.models.BigAutoField"


def test_the_env_example_documents_every_variable_the_settings_read():
    settings_source = (ROOT / "ressursvenner" / "settings.py").read_text()
    documented = (ROOT / ".env.example").read_text()
    import re

    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'_required\(\s*"([A-Z_]+)"', settings_source))
    missing = sorted(name for name in read if f"{name}=" not in documented)
    assert read and not missing, missing


def _one_line(result: subprocess.CompletedProcess) -> str:
    """A refused start: non-zero exit and one line on stderr, no traceback."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "values", "because"),
    [
        ("EMAIL_URL", {"EMAIL_URL": None}, "is not set, so email would only be printed"),
        ("EMAIL_URL", {"EMAIL_URL": ""}, "is not set, so email would only be printed"),
        ("EMAIL_URL", {"EMAIL_URL": "consolemail://"}, "never sends email"),
        ("CELERY_BROKER_URL", {"CELERY_BROKER_URL": None}, "filesystem://"),
        ("CELERY_BROKER_URL", {"CELERY_BROKER_URL": "filesystem://"}, "filesystem://"),
    ],
    ids=["email-unset", "email-empty", "email-console", "broker-unset", "broker-filesystem"],
)
def test_production_refuses_to_start_with_development_email_or_broker(variable, values, because):
    result = _manage("check", **{**PRODUCTION, **values})
    line = _one_line(result)
    assert line.startswith(f"Refused to start: {variable} "), line
    assert because in line


def test_deploy_check_fails_on_a_loopback_site_url_and_the_example_security_contact():
    result = _manage(
        "check",
        "--deploy",
        **{
            **PRODUCTION,
            "SITE_URL": "http://127.0.0.1:8000",
            "SECURITY_CONTACT": "mailto:security@example.org",
        },
    )
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if "(accounts.E00" in line]
    assert len(errors) == 2, result.stderr
    assert "accounts.E001) SITE_URL" in errors[0]
    assert "accounts.E002) SECURITY_CONTACT" in errors[1]


def test_deploy_check_passes_with_realistic_production_values():
    """What .ci/run does: the production values pass even at warning level."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("site_url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.1.2.3", True),
        ("http://localhost:8000", True),
        ("https://app.localhost", True),
        ("http://[::1]:8000", True),
        ("http://0.0.0.0:8000", True),
        ("not a url", True),
        ("https://ressursvenner.example.org", False),
        ("https://10.0.0.5", False),
    ],
)
def test_every_loopback_site_url_is_an_error(settings, site_url, loopback):
    from accounts.checks import public_addresses_are_real

    settings.SITE_URL = site_url
    settings.SECURITY_CONTACT = "mailto:sikkerhet@ressursvenner.example.org"
    ids = [error.id for error in public_addresses_are_real(None)]
    assert ids == (["accounts.E001"] if loopback else [])


_PRINT_DEBUG = "from django.conf import settings; print('DEBUG', settings.DEBUG)"


def test_debug_false_in_the_env_file_beats_the_development_default_of_manage_py(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "".join(f"{name}={value}\n" for name, value in PRODUCTION.items() if name != "DEBUG")
        + "DEBUG=false\n"
    )
    # Only the .env file says anything: manage.py's development default does not win over it.
    result = _manage("shell", "-c", _PRINT_DEBUG, ENV_FILE=str(env_file))
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
    # The same file without its secrets: production, so the start is refused.
    env_file.write_text("DEBUG=false\n")
    line = _one_line(_manage("check", ENV_FILE=str(env_file)))
    assert "SECRET_KEY is not set" in line
    # The process environment still wins over the file.
    result = _manage("shell", "-c", _PRINT_DEBUG, ENV_FILE=str(env_file), DEBUG="true")
    assert "DEBUG True" in result.stdout, result.stderr


def test_debug_false_in_the_env_file_beats_the_development_default_of_make(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in PRODUCTION.items()))
    command = [
        "make",
        "--no-print-directory",
        "--eval",
        f'print-debug: ; @$(MANAGE) shell -c "{_PRINT_DEBUG}"',
        "print-debug",
    ]
    with_file = _run(command, ENV_FILE=str(env_file))
    assert "DEBUG False" in with_file.stdout, with_file.stderr
    without = _run(command)
    assert "DEBUG True" in without.stdout, without.stderr


@pytest.mark.parametrize("command", [["seed_demo"], ["demo_code", "admin@demo.example"]])
def test_the_demo_commands_refuse_production_in_one_line(tmp_path, command):
    database = tmp_path / "db.sqlite3"
    result = _manage(*command, **PRODUCTION, DATABASE_URL=f"sqlite:///{database}")
    line = _one_line(result)
    assert line.startswith(f"CommandError: {command[0]} refused: DEBUG is off"), line
    assert not database.exists()  # nothing written, not even an empty database


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug(settings):
    from accounts.models import Association, User

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo")
    assert not User.objects.exists() and not Association.objects.exists()


@pytest.mark.django_db
def test_seed_demo_refuses_a_database_with_a_login_that_is_not_a_demo_login(settings):
    from accounts.models import Association, Membership, User

    settings.DEBUG = True
    User.objects.create_user("kari.nordmann@sanitetskvinnene.no")
    with pytest.raises(CommandError, match="1 login\\(s\\) that are not demo logins"):
        call_command("seed_demo")
    assert User.objects.count() == 1
    assert not Association.objects.exists() and not Membership.objects.exists()


@pytest.mark.django_db
def test_demo_code_refuses_without_debug_or_for_a_login_that_is_not_a_demo_login(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo_code", "admin@demo.example")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="not a demo login"):
        call_command("demo_code", "kari.nordmann@sanitetskvinnene.no")


@pytest.mark.django_db
def test_seed_demo_twice_does_no_harm(settings):
    from accounts.models import Association, Coverage, Shelter, User

    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Association.objects.count(), Coverage.objects.count(), Shelter.objects.count())
    # A demo volunteer approved in the demo gets a login at her demo address: still a demo
    # database, so seeding it again is allowed.
    User.objects.create_user("nora.hansen.123@frivillig.example")
    call_command("seed_demo")
    assert (
        Association.objects.count(),
        Coverage.objects.count(),
        Shelter.objects.count(),
    ) == counts
    oslo = Association.objects.get(name="Oslo Sanitetsforening")
    assert set(oslo.municipalities.values_list("name", flat=True)) >= {"Oslo", "Bærum", "Asker"}
    assert {"Bergen Sanitetsforening", "Trondheim Sanitetsforening"} <= set(
        Association.objects.values_list("name", flat=True)
    )
