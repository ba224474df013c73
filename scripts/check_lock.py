"""Check that the lock files in requirements/ agree with pyproject.toml.

Run by `make install` (so by `make run`, `make test` and CI). It reads files only; it never asks
the package index. Every disagreement is named with its package and the command that fixes it:

- a dependency of pyproject.toml missing from a lock file, or locked at a version its
  specifier no longer allows;
- a package locked as a direct dependency that pyproject.toml no longer names;
- a package locked at different versions in the production and the development lock;
- a locked package without hashes.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # a fresh venv before the first install: pip carries its own copy
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = Path("requirements/production.txt")
DEV = Path("requirements/dev.txt")
FIX = "Run `make lock` and commit pyproject.toml together with requirements/."

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")
VIA_PROJECT = re.compile(r"^#\s+(?:via\s+)?ressursvenner\b")


def read_lock(path: Path) -> tuple[dict[str, str], set[str], set[str]]:
    """Return {name: version}, the names pip-compile marked as direct, and those without a hash."""
    pins: dict[str, str] = {}
    direct: set[str] = set()
    unhashed: set[str] = set()
    current = None
    for raw in (ROOT / path).read_text().splitlines():
        line = raw.strip()
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = match.group(2)
            unhashed.add(current)
        elif current and line.startswith("--hash="):
            unhashed.discard(current)
        elif current and VIA_PROJECT.match(line.replace("#   ", "# ")):
            direct.add(current)
    return pins, direct, unhashed


def requirements(project: dict, extra: str | None = None) -> list[Requirement]:
    if extra is None:
        return [Requirement(r) for r in project["dependencies"]]
    return [Requirement(r) for r in project["optional-dependencies"][extra]]


def disagreements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = requirements(project)
    dev = requirements(project, "dev")
    problems: list[str] = []
    for path, wanted in ((PRODUCTION, runtime), (DEV, runtime + dev)):
        if not (ROOT / path).exists():
            return [f"{path} is missing. {FIX}"]
        pins, direct, unhashed = read_lock(path)
        names = {canonicalize_name(r.name) for r in wanted}
        for req in wanted:
            name = canonicalize_name(req.name)
            if name not in pins:
                problems.append(f"{path}: {req.name} is in pyproject.toml but not locked.")
            elif req.specifier and not req.specifier.contains(pins[name], prereleases=True):
                problems.append(
                    f"{path}: {req.name} is locked at {pins[name]}, but pyproject.toml "
                    f"asks for {req.specifier}."
                )
        for name in sorted(direct - names):
            problems.append(f"{path}: {name} is locked but pyproject.toml no longer names it.")
        for name in sorted(unhashed):
            problems.append(f"{path}: {name} has no hash.")
    production, _, _ = read_lock(PRODUCTION)
    development, _, _ = read_lock(DEV)
    for name, version in sorted(production.items()):
        if development.get(name) != version:
            problems.append(
                f"{name} is locked at {version} for production but at "
                f"{development.get(name, 'nothing')} for development."
            )
    return problems


def main() -> int:
    problems = disagreements()
    if not problems:
        return 0
    print("The lock files do not match pyproject.toml:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    print(FIX, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
