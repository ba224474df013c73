"""Lighthouse on the volunteer's phone (issue 16): `make lighthouse`, not part of `make test`.

Runs Google's Lighthouse (the npm package, installed from tools/package-lock.json by the make
target) with its default mobile emulation (a mid-range phone, a slow 4G line simulated) on the
volunteer's three pages she uses most: her start page, her match and the meeting form, each
logged in as the demo volunteer in Oslo with both steps passed (a session made the way the login
flow leaves it, bench/pages.py `session_key()`, sent as a Cookie header).

The server is production's: gunicorn with deploy/gunicorn.conf.py, DEBUG off, the static files
collected by whitenoise's compressed manifest storage (hashed names, far-future caching), the
content security policy with its nonces. Its database holds the demo data (`seed_demo`, run
with DEBUG on since it refuses otherwise, with the same keys): LIGHTHOUSE_DATABASE_URL, by
default ressursvenner_lighthouse on 127.0.0.1, created when missing; the name must contain
"lighthouse". Nothing is fetched from the internet: Chromium runs with background networking,
component updates and sync turned off, and the pages load only their own files.

Writes bench/results/lighthouse.md and prints it; exits 1 when a page misses a target
(performance 95, accessibility 100, best practices 100).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.machine import describe
from bench.pages import free_port, production_environment, session_key, wait_for

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "lighthouse.md"
LIGHTHOUSE = ROOT / "tools" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync"
)
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ressursvenner_lighthouse"
VOLUNTEER = "frivillig.oslo@demo.example"
PAGES = [
    ("her start page", "/min-side/"),
    ("her match", "/min-side/kobling/"),
    ("the meeting form", "/min-side/moter/ny/"),
]
CATEGORIES = ["performance", "accessibility", "best-practices"]
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}


def environment(database_url: str) -> dict[str, str]:
    """Production's environment (DEBUG off, its own fixed keys), on plain HTTP on loopback."""
    redis = os.environ.get("LIGHTHOUSE_REDIS_URL", "redis://127.0.0.1:6379/0")
    env = production_environment(database_url, name="lighthouse", redis=redis)
    env["SECURE_SSL_REDIRECT"] = "false"  # no TLS proxy here; localhost is a secure context
    return env


def ensure_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, check=True
    )


def lighthouse(url: str, cookie: str, output: Path) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
        "--output=json",
        f"--output-path={output}",
        "--quiet",
    ]
    subprocess.run(command, cwd=ROOT, env={**os.environ, "CHROME_PATH": CHROMIUM}, check=True)  # noqa: S603
    return json.loads(output.read_text())


def findings(report: dict) -> list[str]:
    """The audits that cost points: scored, weighted, and not passed."""
    weights = {
        ref["id"]: ref.get("weight", 0)
        for category in report["categories"].values()
        for ref in category["auditRefs"]
    }
    found = []
    for audit_id, audit in report["audits"].items():
        if audit.get("score") is None or audit["score"] >= 1 or not weights.get(audit_id):
            continue
        value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
        found.append(f"{audit['title']}{value}, score {audit['score']:.2f}")
    return found


def render(rows: list[tuple[str, str, dict, dict, list[str]]], seconds: float) -> str:
    lines = [
        "# Lighthouse: the volunteer's pages on a phone",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `make lighthouse` "
        f"(bench/lighthouse.py) in {seconds:.0f} s on {describe()}.",
        "",
        "Lighthouse's default mobile emulation (Moto G Power, slow 4G simulated) in Debian's "
        "Chromium, against gunicorn with DEBUG off and whitenoise, on the demo data, logged in "
        f"as the demo volunteer ({VOLUNTEER}) with both steps passed. Targets: performance "
        f"{TARGETS['performance']}, accessibility {TARGETS['accessibility']}, best practices "
        f"{TARGETS['best-practices']}.",
        "",
        "| page | address | performance | accessibility | best practices | "
        "first contentful paint | largest contentful paint | bytes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, path, scores, metrics, _ in rows:
        marks = {c: f"{scores[c]}" + ("" if scores[c] >= TARGETS[c] else " ✗") for c in CATEGORIES}
        lines.append(
            f"| {name} | `{path}` | {marks['performance']} | {marks['accessibility']} | "
            f"{marks['best-practices']} | {metrics['fcp']} | {metrics['lcp']} | "
            f"{metrics['bytes']} |"
        )
    lines.append("")
    for name, _path, _scores, _metrics, found in rows:
        if found:
            lines.append(f"What costs points on {name}:")
            lines += [f"- {item}" for item in found]
            lines.append("")
    return "\n".join(lines)


def main() -> int:
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: run `make lighthouse` (npm ci in tools/).")
    if not shutil.which(CHROMIUM):
        sys.exit(f"Chromium is not at {CHROMIUM} (apt-get install chromium, or set CHROME_PATH).")
    url = os.environ.get("LIGHTHOUSE_DATABASE_URL", DEFAULT_URL)
    if "lighthouse" not in urlsplit(url).path:
        sys.exit("The Lighthouse database's name must contain 'lighthouse'.")
    started = time.perf_counter()
    env = environment(url)
    ensure_database(url)
    print("Database: migrate and the demo data…", flush=True)
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("seed_demo", env={**env, "DEBUG": "true"})  # it refuses to run with DEBUG off
    manage("collectstatic", "--noinput", "-v", "0", env=env)

    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.sessions.models import Session

    from accounts.models import User

    key = session_key(User.objects.get(email=VOLUNTEER))
    cookie = f"{settings.SESSION_COOKIE_NAME}={key}"
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "deploy/gunicorn.conf.py",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "ressursvenner.wsgi",
        ],
        cwd=ROOT,
        env={**os.environ, "GUNICORN_LOG_LEVEL": "warning"},
        start_new_session=True,
    )
    rows = []
    try:
        # localhost, not 127.0.0.1: a secure context, where the __Host- cookies are kept.
        base = f"http://localhost:{port}"
        wait_for(base + "/helse/web/")
        with tempfile.TemporaryDirectory() as folder:
            for name, path in PAGES:
                print(f"Lighthouse: {name} ({path})…", flush=True)
                report = lighthouse(base + path, cookie, Path(folder) / "report.json")
                final = report.get("finalDisplayedUrl") or report.get("finalUrl", "")
                if urlsplit(final).path != path:
                    sys.exit(f"{path} ended on {final}: is the session accepted?")
                scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
                audits = report["audits"]
                metrics = {
                    "fcp": audits["first-contentful-paint"]["displayValue"],
                    "lcp": audits["largest-contentful-paint"]["displayValue"],
                    "bytes": audits["total-byte-weight"]["displayValue"],
                }
                rows.append((name, path, scores, metrics, findings(report)))
    finally:
        server.terminate()
        server.wait(timeout=30)
        Session.objects.filter(session_key=key).delete()
    text = render(rows, time.perf_counter() - started)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print()
    print(text)
    print(f"Written to {RESULTS.relative_to(ROOT)}")
    missed = any(scores[c] < TARGETS[c] for _, _, scores, _, _ in rows for c in CATEGORIES)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
