"""Notification kinds: registered by the app that owns the event, checked on every write, each
with a neutral text that only a rule's number can fill."""

import ast
import pickle
import re
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import translation

from accounts.models import Role
from courses.reminders import SESSION_SOON, SESSION_SOON_DAYS
from matching.notifications import CONCERN, MATCH_PROPOSED
from notifications import kinds
from notifications.kinds import NotificationKind, UnknownKind
from notifications.models import Notification, OutboxMessage
from notifications.reminders import all_rules
from notifications.services import notify
from volunteers.reminders import RETENTION_SOON

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def in_her_role(coordinator) -> dict:
    membership = coordinator.memberships.get()
    return {"role": Role.COORDINATOR, "association_id": membership.association_id}


# --- An unregistered kind cannot be written ------------------------------------------------------


def test_notify_with_an_unregistered_kind_raises_and_writes_nothing(coordinator_oslo):
    with pytest.raises(UnknownKind):
        notify(
            recipients=[coordinator_oslo],
            kind="no_such_kind",
            link="/",
            **in_her_role(coordinator_oslo),
        )
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_notification_of_an_unregistered_kind_cannot_be_saved_or_bulk_created(
    coordinator_oslo,
):
    with pytest.raises(UnknownKind):
        Notification.objects.create(recipient=coordinator_oslo, kind="no_such_kind", link="/")
    with pytest.raises(UnknownKind):
        Notification.objects.bulk_create(
            [Notification(recipient=coordinator_oslo, kind="no_such_kind", link="/")]
        )
    with pytest.raises(ValidationError):
        Notification(recipient=coordinator_oslo, kind="no_such_kind", link="/").full_clean()
    assert not Notification.objects.exists()


def test_a_registered_kind_is_stored_as_its_code_and_read_back_with_its_text(coordinator_oslo):
    notify(recipients=[coordinator_oslo], kind=CONCERN, link="/", **in_her_role(coordinator_oslo))
    stored = Notification.objects.get()
    assert type(stored.kind) is str and stored.kind == "concern" == CONCERN
    with translation.override("en"):
        assert stored.text == "A volunteer has raised a concern. Follow it up."


@pytest.fixture
def registry_kept():
    before = dict(kinds._registry)
    yield
    kinds._registry.clear()
    kinds._registry.update(before)


def test_a_code_is_registered_once(registry_kept):
    kinds.register("test_only_kind", translation.gettext_lazy("Something to do."))
    with pytest.raises(ImproperlyConfigured):
        kinds.register("test_only_kind", translation.gettext_lazy("Something else to do."))
    with pytest.raises(ImproperlyConfigured):
        kinds.register("x" * (kinds.CODE_MAX_LENGTH + 1), translation.gettext_lazy("Too long."))


def test_a_kind_survives_pickling_as_the_registered_one():
    assert pickle.loads(pickle.dumps(MATCH_PROPOSED)) is MATCH_PROPOSED  # noqa: S301 (our own bytes)


# --- Every kind in use is registered ---------------------------------------------------------------


def _historical_codes() -> list[str]:
    """The codes of the last migration that listed them as choices: rows made before the kinds
    moved to the apps carry these, and must still read."""
    migration = import_module("notifications.migrations.0010_kind_match_changed_session_changed")
    (operation,) = migration.Migration.operations
    return [code for code, _label in operation.field.choices]


def test_every_code_existing_rows_carry_is_still_registered():
    codes = _historical_codes()
    assert len(codes) == 26
    for code in codes:
        assert kinds.get(code) == code


def test_every_reminder_rule_sends_a_registered_kind():
    rules = all_rules()
    assert rules
    for rule in rules:
        assert kinds.get(rule.kind) is rule.kind, rule.name


def _project_modules() -> list[Path]:
    skip = {".venv", "tests", "migrations", "node_modules", "static"}
    return [path for path in ROOT.rglob("*.py") if not skip & set(path.relative_to(ROOT).parts)]


def test_no_code_passes_a_kind_as_a_bare_string():
    """Every notify(kind=…) and Rule(…) uses a registered kind object, never a string literal
    (which would fail only when it runs)."""
    found = []
    for path in _project_modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            arguments = [k.value for k in node.keywords if k.arg == "kind"]
            if name == "Rule":
                arguments += node.args[1:2]
            if name in ("notify", "Rule", "Notification"):
                found += [
                    (str(path), node.lineno)
                    for a in arguments
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                ]
    assert found == []


def test_every_kind_defined_in_an_app_module_is_the_registered_one():
    modules = [
        f"{app}.{module}"
        for app in ("courses", "volunteers", "matching")
        for module in ("notifications", "reminders")
    ] + [
        "notifications.notices",
        "supervision.reminders",
        "supervision.notifications",
        "messaging.notifications",
    ]  # notifications' own: an association with nobody present
    seen = set()
    for name in modules:
        for value in vars(import_module(name)).values():
            if isinstance(value, NotificationKind):
                assert kinds.get(value) is value, (name, value)
                seen.add(value.code)
    assert seen == {kind.code for kind in kinds.registered()}


@pytest.mark.parametrize("kind", kinds.registered(), ids=str)
def test_every_kind_has_a_text_in_english_and_a_norwegian_translation(kind):
    with translation.override("en"):
        english = (kind.text, kind.in_app_text)
    with translation.override("nb"):
        norwegian = (kind.text, kind.in_app_text)
    for en, nb in zip(english, norwegian, strict=True):
        assert en.strip() and nb.strip()
        assert nb != en, f"{kind} is not translated: {en}"
        assert "%(" not in en + nb


# --- Neutral: nothing but a rule's number can fill a text ----------------------------------------


class _Spy(dict):
    """Records which placeholders a text asks for (and which one picks its plural form)."""

    def __init__(self):
        super().__init__()
        self.asked: set[str] = set()

    def __getitem__(self, key):
        self.asked.add(key)
        return 7


@pytest.mark.parametrize("kind", kinds.registered(), ids=str)
@pytest.mark.parametrize("language", ["en", "nb"])
def test_a_kind_text_has_no_placeholder_but_the_rules_numbers(kind, language):
    numbers = kind.numbers()
    assert all(type(n) is int for n in numbers.values()), numbers
    with translation.override(language):
        for template in kind.templates:
            spy = _Spy()
            str(template % spy)
            # (a group's text has the count of the group too: how many notifications)
            assert spy.asked <= set(numbers) | {"count"}, (kind, spy.asked)
            # and nothing but what a rule names: days, hours and the like
            assert all(re.fullmatch(r"days|hours|minutes|weeks|count", key) for key in spy.asked)


def test_a_reminder_text_says_the_rules_own_number():
    with translation.override("en"):
        assert f"in {SESSION_SOON_DAYS} days." in SESSION_SOON.text
    with translation.override("nb"):
        assert f"om {SESSION_SOON_DAYS} dager." in SESSION_SOON.text


def test_a_text_filled_from_a_setting_follows_the_setting(settings):
    settings.RETENTION_WARNING_DAYS = 45
    with translation.override("en"):
        assert "erased in 45 days," in RETENTION_SOON.text
    settings.RETENTION_WARNING_DAYS = 1
    with translation.override("nb"):
        assert "slettes om 1 dag," in RETENTION_SOON.text


def test_notifications_imports_no_domain_app():
    """notifications is a low floor: the apps import it to register their kinds, never the
    reverse."""
    higher = {"courses", "volunteers", "matching", "reports", "ressursvenner"}
    offending = []
    for path in (ROOT / "notifications").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            offending += [(path.name, n) for n in names if n.split(".")[0] in higher]
    assert offending == []
