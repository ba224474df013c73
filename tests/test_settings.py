"""Settings fail loudly without secrets in production, and the demo seed refuses production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_without_a_secret_key_refuses_to_start_and_says_why():
    result = _manage("check", DEBUG="false", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_manage_py_on_a_fresh_clone_runs_in_development_mode():
    """With nothing set, manage.py is the developer's tool (as `make` is); the check of the
    models against the migrations works without any secret."""
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr


def test_the_web_server_defaults_to_production_and_refuses_without_secrets():
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    result = subprocess.run(
        [sys.executable, "-c", "import ressursvenner.wsgi"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
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


# Everything else production needs, so that the check under test is the one that answers.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 60,
    "FIELD_ENCRYPTION_KEYS": KEY,
    "ALLOWED_HOSTS": "ressursvenner.example.org",
    "SITE_URL": "https://ressursvenner.example.org",
    "SECURITY_CONTACT": "mailto:security@ressursvenner.example.org",
    "EMAIL_URL": "smtp+tls://user:password@smtp.example.org:587",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}
AUDIT_KEY = "k" * 43


def test_production_without_an_audit_log_key_refuses_to_start():
    result = _manage("check", **PRODUCTION)
    assert result.returncode != 0
    assert "AUDIT_LOG_KEYS is not set" in result.stderr
    assert _manage("check", **PRODUCTION, AUDIT_LOG_KEYS=AUDIT_KEY).returncode == 0


@pytest.mark.parametrize(
    "keys",
    ["too-short-to-be-a-key", f"{AUDIT_KEY},short", "x" * 60, KEY],
    ids=["short", "one-of-two-short", "the-secret-key", "a-field-key"],
)
def test_a_weak_or_reused_audit_log_key_refuses_to_start(keys):
    result = _manage("check", **PRODUCTION, AUDIT_LOG_KEYS=keys)
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


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


@pytest.mark.django_db
def test_seed_demo_twice_does_no_harm(settings):
    from accounts.models import Association, Coverage, Shelter

    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Association.objects.count(), Coverage.objects.count(), Shelter.objects.count())
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
