"""The floors of the project, enforced. docs/architecture.md explains them; this file is where
they are written down and checked: change the table here, and the doc with it.

Every app stands on a floor. A module may import its own app and the apps on the floors below,
never one above: a lower floor learns from a higher one only through a hook the higher one fills
(docs/architecture.md, "Hooks"). Every import is read from the source with `ast`, wherever it
stands (at the top, inside a function, under TYPE_CHECKING; migrations too), and so is every
import by name (importlib.import_module, import_string) and every model named by its app label
(ForeignKey("app.Model"), apps.get_model("app", "Model")).
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. An app may import itself and the apps before it in this list, never those after.
FLOORS = [
    "common",  # crypto, dates, flags, forms, downloads, logging, mail, searches: no app
    "accounts",
    "notifications",
    "courses",
    "volunteers",
    "supervision",
    "messaging",  # messages to many: filters by courses, volunteers and groups
    "matching",
    "reports",
    "ressursvenner",  # the top floor: settings, urls, start pages; nothing imports it
]
ALLOWED = {app: frozenset(FLOORS[: floor + 1]) for floor, app in enumerate(FLOORS)}

# The one place a lower app names a higher app's model, by its label and without importing it:
# an enrolment points at a volunteer, while volunteers imports courses to ask about completion.
NAMED_MODELS_ALLOWED = {("courses", "volunteers")}

# Outside the apps, who may import the top floor: its own entry point and the test tools.
TOP_FLOOR_IMPORTERS = {"ressursvenner", "manage.py", "tests", "bench"}
NOT_OURS = {"node_modules", "static"}  # and every hidden folder (.venv, .git)

RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # the dotted module (or "app.Model" for a model named by its label)
    statement: str  # as written, for the message
    by_name: bool = False  # a model named by its app label, not a Python import

    @property
    def app(self) -> str:
        return self.target.split(".")[0]


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def imports_of(source: str) -> list[Import]:
    """Every absolute import of a module's source, wherever it stands in the file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, a.name, f"import {a.name}") for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = ", ".join(alias.name for alias in node.names)
            found.append(Import(node.lineno, node.module, f"from {node.module} import {names}"))
            # (a relative import stays inside its own app)
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            first = node.args[0] if node.args else None
            if name in RELATION_FIELDS and first is None:
                first = next((k.value for k in node.keywords if k.arg == "to"), None)
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            call = f"{name}({first.value!r}, ...)"
            if name in ("import_module", "import_string"):
                found.append(Import(node.lineno, first.value, call))
            elif name == "get_model" or (name in RELATION_FIELDS and "." in first.value):
                found.append(Import(node.lineno, first.value, call, by_name=True))
    return found


def forbidden_imports(app: str, path: str, source: str) -> list[str]:
    problems = []
    for imported in imports_of(source):
        if imported.app not in ALLOWED or imported.app in ALLOWED[app]:
            continue  # Python, Django, a library, or a floor it stands on
        if imported.by_name and (app, imported.app) in NAMED_MODELS_ALLOWED:
            continue
        problems.append(
            f"{path}:{imported.line}: `{imported.statement}`: {app} (floor "
            f"{FLOORS.index(app)}) may not use {imported.app} (floor "
            f"{FLOORS.index(imported.app)}, higher). A lower floor learns from a higher one "
            f"through a hook that the higher one fills (docs/architecture.md)."
        )
    return problems


def modules_of(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


@pytest.mark.parametrize("app", FLOORS)
def test_an_app_imports_only_its_own_floor_and_the_floors_below(app):
    problems = []
    for path in modules_of(app):
        problems += forbidden_imports(app, str(path.relative_to(ROOT)), path.read_text())
    assert not problems, "\n".join(problems)


def _python_files_outside(skipped: set[str]) -> list[Path]:
    files = []
    for entry in sorted(ROOT.iterdir()):
        if entry.name in skipped or entry.name.startswith("."):
            continue
        files += sorted(entry.rglob("*.py")) if entry.is_dir() else [entry]
    return [path for path in files if path.suffix == ".py"]


def test_only_the_top_floors_entry_point_and_the_test_tools_import_it():
    problems = []
    for path in _python_files_outside(TOP_FLOOR_IMPORTERS | NOT_OURS):
        problems += [
            f"{path.relative_to(ROOT)}:{imported.line}: `{imported.statement}`: only "
            f"manage.py, the tests and the benchmarks import the top floor (ressursvenner)."
            for imported in imports_of(path.read_text())
            if imported.app == "ressursvenner"
        ]
    assert not problems, "\n".join(problems)


def test_every_app_of_the_project_stands_on_a_floor():
    ours = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT
    }
    assert ours <= set(FLOORS), f"give these apps a floor in FLOORS: {sorted(ours - set(FLOORS))}"
    assert all((ROOT / app / "__init__.py").exists() for app in FLOORS)


@pytest.mark.parametrize(
    "source",
    [
        "from matching.models import OPEN_MATCH",
        "def leave(volunteer):\n    from matching.models import OPEN_MATCH\n",
        "import matching.selectors as matching_selectors",
        "from importlib import import_module\nimport_module('matching.models')",
        "from django.apps import apps\nMatch = apps.get_model('matching', 'Match')",
        "from django.db import models\nmatch = models.ForeignKey('matching.Match', on_delete=1)",
    ],
)
def test_the_check_finds_an_arrow_against_the_floors(source):
    (problem,) = forbidden_imports("volunteers", "volunteers/example.py", source)
    assert problem.startswith("volunteers/example.py:") and "matching" in problem


def test_the_check_lets_the_allowed_arrows_through():
    at_home = "from . import hooks\nfrom volunteers.models import Volunteer\n"
    below = "import django\nfrom accounts.models import User\nfrom courses import selectors\n"
    assert forbidden_imports("volunteers", "volunteers/example.py", at_home + below) == []
    assert forbidden_imports("accounts", "accounts/example.py", "from common import crypto") == []
    # courses names the volunteer's model by its label (NAMED_MODELS_ALLOWED), never imports it.
    named = (
        "from django.db import models\nv = models.ForeignKey('volunteers.Volunteer', on_delete=1)"
    )
    assert forbidden_imports("courses", "courses/models.py", named) == []
    assert forbidden_imports("courses", "courses/models.py", "import volunteers.models") != []


def test_the_apps_are_installed_in_the_order_of_their_floors():
    """The hooks found through the app registry (reminders, retention, demo) run lowest first."""
    ours = [c.name for c in apps.get_app_configs() if Path(c.path).parent == ROOT]
    assert ours == [app for app in FLOORS if app in ours]
