"""The deployment files (deploy/, Dockerfile, compose.yaml) say what docs/deployment.md promises.

scripts/check_deploy.sh runs them for real (in .ci/run); these read them, so that a change that
weakens one (a query string in the access log, a second HSTS header, a unit that may write the
checkout, compose running another command than the unit) fails in the ordinary suite.
"""

import re
import runpy
import shlex
from pathlib import Path

import pytest
from django.conf import settings

from common.logging import SECRET_PATHS

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = ("web", "worker", "beat")
CHECKOUT = "/srv/ressursvenner"


def unit(name: str) -> dict[str, list[str]]:
    """The [Service] (and other) settings of deploy/ressursvenner-NAME.service, key -> values."""
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / f"ressursvenner-{name}.service").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def exec_start(name: str) -> list[str]:
    """The unit's command line as the process sees it: systemd's %% is a single %."""
    (line,) = unit(name)["ExecStart"]
    return shlex.split(line.replace("%%", "%"))


def nginx_site() -> str:
    return (DEPLOY / "nginx" / "ressursvenner.conf").read_text()


def compose() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.mark.parametrize("name", UNITS)
def test_each_unit_runs_from_the_checkout_as_its_own_user_hardened_and_restarted(name):
    values = unit(name)
    expected = {
        "User": "ressursvenner",
        "Group": "ressursvenner",
        "WorkingDirectory": CHECKOUT,
        "EnvironmentFile": f"{CHECKOUT}/.env",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "Restart": "on-failure",
    }
    for key, value in expected.items():
        assert values.get(key) == [value], (name, key, values.get(key))
    assert exec_start(name)[0].startswith(f"{CHECKOUT}/.venv/bin/"), name


def test_only_beat_may_write_and_only_where_its_schedule_file_is():
    assert "ReadWritePaths" not in unit("web")
    assert "ReadWritePaths" not in unit("worker")
    (writable,) = unit("beat")["ReadWritePaths"]
    assert writable == f"{CHECKOUT}/var"
    schedule = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME)
    assert schedule.parent == settings.BASE_DIR / "var", schedule


def test_the_units_start_gunicorn_with_its_config_one_worker_service_and_one_beat():
    assert exec_start("web")[1:] == [
        "--config",
        "deploy/gunicorn.conf.py",
        "ressursvenner.wsgi",
    ]
    assert exec_start("worker")[1:4] == ["-A", "ressursvenner", "worker"]
    assert exec_start("beat")[1:4] == ["-A", "ressursvenner", "beat"]
    # Exactly one beat: no template unit (ressursvenner-beat@.service) to start several.
    assert [p.name for p in DEPLOY.glob("*beat*")] == ["ressursvenner-beat.service"]


def test_compose_runs_what_the_units_run():
    services = compose()["services"]
    for name in UNITS:
        assert services[name]["command"] == [Path(exec_start(name)[0]).name, *exec_start(name)[1:]]
    assert "deploy" not in services["beat"] and "scale" not in services["beat"]


def test_compose_keeps_the_broker_apart_from_the_cache_and_never_evicts_a_task():
    services = compose()["services"]
    environment = services["web"]["environment"]
    assert environment["CELERY_BROKER_URL"].startswith("redis://broker:")
    assert environment["CACHE_URL"].startswith("redis://cache:")
    broker, cache = " ".join(services["broker"]["command"]), " ".join(services["cache"]["command"])
    assert "--maxmemory-policy noeviction" in broker
    assert "--maxmemory-policy allkeys-lru" in cache
    for name in UNITS:
        assert services[name]["depends_on"]["broker"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_the_image_runs_without_root_and_without_compilers():
    stages = re.split(r"^FROM ", (ROOT / "Dockerfile").read_text(), flags=re.M)
    final = stages[-1]
    # The final stage installs runtime packages only (pg_dump for backups), never a compiler.
    installed = " ".join(re.findall(r"apt-get install[^&\n]*", final)).split()
    compilers = [
        p for p in installed if p in ("gcc", "g++", "make", "build-essential") or p.endswith("-dev")
    ]
    assert "postgresql-client-15" in installed and not compilers, compilers
    user = re.search(r"^USER (\S+)", final, re.M)
    assert user and user.group(1).split(":")[0] not in ("root", "0")
    assert "HEALTHCHECK" in final and "deploy/healthcheck.py" in final
    assert '"--config", "deploy/gunicorn.conf.py", "ressursvenner.wsgi"' in final
    assert "--require-hashes" in stages[1]


def test_gunicorn_writes_no_access_log_and_trusts_only_nginx_on_loopback(monkeypatch):
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_TIMEOUT", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["accesslog"] is None
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert config["workers"] >= 3
    # nginx waits a little longer than gunicorn, so that gunicorn is the one that gives up.
    read_timeout = re.search(r"proxy_read_timeout (\d+)s;", nginx_site())
    assert read_timeout and int(read_timeout.group(1)) > config["timeout"]
    upstream = re.search(r"upstream ressursvenner_web \{[^}]*server ([\d.:]+);", nginx_site())
    assert upstream and [upstream.group(1)] == config["bind"]


def test_nginx_logs_no_query_string_no_referer_and_no_secret():
    site = nginx_site()
    log_format = re.search(r"log_format ressursvenner (.*?);", site, re.S)
    assert log_format
    forbidden = re.findall(
        r"\$(request|request_uri|args|query_string|is_args|arg_\w+|http_referer)\b",
        log_format.group(1),
    )
    assert not forbidden, forbidden
    assert "$ressursvenner_log_path" in log_format.group(1)
    for directive in re.findall(r"^\s*access_log (.*?);", site, re.M):
        assert directive == "off" or directive.endswith(" ressursvenner"), directive
    # Every path whose secret the application hides in its own log (common/logging.py) has it
    # hidden in nginx's too.
    prefixes = [
        prefix
        for group in re.findall(r"\(\?P<\w+>([^)]*)\)", SECRET_PATHS.pattern)
        for prefix in group.split("|")
    ]
    assert len(prefixes) >= 3, prefixes
    for prefix in prefixes:
        assert re.search(rf'"~\^\(\?<rv_head>{re.escape(prefix)}\)[^\n]*\[hidden\]', site), prefix


def test_hsts_comes_from_django_and_nginx_adds_it_only_where_django_never_answers():
    site = nginx_site()
    static = re.search(r"location /static/ \{(.*?)\n    \}", site, re.S)
    assert static
    assert site.count("Strict-Transport-Security") == 1
    assert "Strict-Transport-Security" in static.group(1)
    assert "immutable" in static.group(1)
    assert re.search(r"client_max_body_size \d+m;", site)


def test_the_spreadsheet_upload_is_buffered_in_memory_by_nginx_too():
    """As Django (FILE_UPLOAD_MAX_MEMORY_SIZE), nginx never writes the upload to disk: its
    body buffer holds the largest body it accepts."""
    site = nginx_site()
    block = re.search(r"location = /frivillige/importer/ \{(.*?)\n    \}", site, re.S)
    assert block
    body = re.search(r"client_max_body_size (\d+)m;", block.group(1))
    buffer = re.search(r"client_body_buffer_size (\d+)m;", block.group(1))
    assert body and buffer and int(buffer.group(1)) >= int(body.group(1))
    assert int(body.group(1)) * 1024 * 1024 <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE


def test_the_deployment_guide_names_every_variable_the_settings_read():
    settings_source = (ROOT / "ressursvenner" / "settings.py").read_text()
    guide = (ROOT / "docs" / "deployment.md").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'_required\(\s*"([A-Z_]+)"', settings_source))
    missing = sorted(name for name in read if f"`{name}`" not in guide and f"{name}=" not in guide)
    assert read and not missing, missing
