"""The live part of scripts/check_deploy.sh: the stack it started, seen from outside, as a browser
would see it through nginx over HTTPS.

Logs in as a demo coordinator with two-step login and reads her start page; checks /helse/, the
static files, the HTTP to HTTPS redirect, the request size limit and HSTS (exactly once); then
makes requests whose query string and path carry secrets and checks that no log written by the
stack holds them. Standard library only. Exits non-zero with one line per failure.
"""

import argparse
import http.client
import json
import re
import ssl
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

# Markers that must never reach a log: a search in a query string, an invitation token and a
# calendar-feed token in a path (common/logging.py hides the latter two in the app's own log).
QUERY_MARKER = "querymarker4c1d9e"
INVITATION_MARKER = "invitationmarker8b2f7a"
FEED_MARKER = "feedmarker3e6a0c"

failures: list[str] = []


def check(condition: bool, message: str) -> bool:
    print(("ok    " if condition else "FAIL  ") + message)
    if not condition:
        failures.append(message)
    return condition


class Browser:
    """HTTPS to nginx on 127.0.0.1 with the certificate checked, the site's host name in the Host
    header, and the cookies a browser would keep."""

    def __init__(self, port: int, host: str, cafile: str):
        self.port, self.host = port, host
        self.origin = f"https://{host}:{port}"
        self.context = ssl.create_default_context(cafile=cafile)
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        body: bytes | None = None,
        extra_headers: dict | None = None,
    ):
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=self.context, timeout=30
        )
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "ressursvenner-deploy-check"}
        headers.update(extra_headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST":
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        connection.close()
        return response.status, response.headers, text


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found.group(1) if found else ""


def location_path(headers) -> str:
    return urlsplit(headers.get("Location", "")).path


def demo_code(manage: list[str], email: str) -> str:
    """The demo login's current two-step code, from `manage.py demo_code` (DEBUG only)."""

    def ask() -> tuple[str, int]:
        output = subprocess.run(  # noqa: S603 (the command line this script was given)
            [*manage, "demo_code", email], capture_output=True, text=True, check=True
        ).stdout
        found = re.search(r"^(\d+)\s+\(valid for (\d+)", output)
        if not found:
            raise SystemExit(f"demo_code printed no code: {output!r}")
        return found.group(1), int(found.group(2))

    code, seconds_left = ask()
    if seconds_left < 3:  # about to turn: wait for the next one rather than race it
        time.sleep(seconds_left + 1)
        code, _ = ask()
    return code


def log_in_and_read_start_page(browser: Browser, manage: list[str], email: str, password: str):
    status, _, page = browser.request("GET", "/logg-inn/")
    check(status == 200 and csrf_token(page) != "", "the login page through nginx (200, a form)")
    status, headers, _ = browser.request(
        "POST",
        "/logg-inn/",
        form={"csrfmiddlewaretoken": csrf_token(page), "login": email, "password": password},
    )
    check(
        status == 302 and location_path(headers) == "/totrinn/bekreft/",
        f"email and password accepted, two-step code asked for ({status} {location_path(headers)})",
    )
    status, _, page = browser.request("GET", "/totrinn/bekreft/")
    check(status == 200 and csrf_token(page) != "", "the two-step page (200, a form)")
    code = demo_code(manage, email)
    status, headers, _ = browser.request(
        "POST", "/totrinn/bekreft/", form={"csrfmiddlewaretoken": csrf_token(page), "code": code}
    )
    check(
        status == 302 and location_path(headers) == "/",
        f"the two-step code accepted ({status} {location_path(headers)})",
    )
    status, headers, page = browser.request("GET", "/")
    check(
        status == 200 and "Hva må jeg gjøre i dag?" in page and "Oslo Sanitetsforening" in page,
        f"her start page: 200 with 'Hva må jeg gjøre i dag?' for Oslo ({status})",
    )
    hsts = headers.get_all("Strict-Transport-Security") or []
    check(len(hsts) == 1, f"a page from Django carries HSTS exactly once ({hsts})")
    return page


def static_file(browser: Browser, page: str) -> None:
    found = re.search(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page)
    if not check(found is not None, "the start page links a static file"):
        return
    status, headers, _ = browser.request("GET", found.group(1))
    hsts = headers.get_all("Strict-Transport-Security") or []
    check(
        status == 200 and "immutable" in (headers.get("Cache-Control") or "") and len(hsts) == 1,
        f"{found.group(1)} from nginx: 200, cached for good, HSTS once "
        f"({status}, {headers.get('Cache-Control')}, {hsts})",
    )


def health(browser: Browser, deadline: float) -> None:
    """/helse/ through nginx answers 200 once the worker has run a heartbeat that beat sent."""
    status, payload = 0, {}
    while True:
        status, _, text = browser.request("GET", "/helse/")
        try:
            payload = json.loads(text)
        except ValueError:
            payload = {"body": text[:200]}
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(2)
    check(
        status == 200 and payload.get("status") == "ok",
        f"/helse/ through nginx: database, broker and a worker fed by beat ({status} {payload})",
    )


def http_redirect(http_port: int, host: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    connection.request("GET", "/helse/?a=1", headers={"Host": host})
    response = connection.getresponse()
    response.read()
    check(
        response.status == 301 and response.headers.get("Location") == f"https://{host}/helse/?a=1",
        f"plain HTTP redirected to HTTPS ({response.status} {response.headers.get('Location')})",
    )


def body_limit(browser: Browser) -> None:
    status, _, _ = browser.request("POST", "/logg-inn/", body=b"x" * (2 * 1024 * 1024))
    check(status == 413, f"a 2 MB request body refused by nginx ({status})")


def secrets_stay_out_of_the_logs(browser: Browser, access_log: Path, log_dir: Path) -> None:
    # nginx gives each request its own id and passes it on; one a visitor sends is not used.
    _, headers, _ = browser.request(
        "GET", "/helse/", extra_headers={"X-Request-ID": "visitor-chosen"}
    )
    request_id = headers.get("X-Request-ID") or ""
    browser.request("GET", f"/helse/?sok={QUERY_MARKER}")
    browser.request("GET", f"/invitasjon/{INVITATION_MARKER}/")
    browser.request("GET", f"/kalender/{FEED_MARKER}.ics")
    time.sleep(1)  # nginx writes its log line after the response
    lines = access_log.read_text().splitlines()
    check(len(lines) >= 10, f"nginx wrote its access log ({len(lines)} lines)")
    check(
        not any("?" in line for line in lines),
        "no query string in nginx's access log",
    )
    check(
        any(" /invitasjon/[hidden]/ " in line for line in lines)
        and any(" /kalender/[hidden].ics " in line for line in lines),
        "secret-bearing paths logged with [hidden] in place of the secret",
    )
    check(
        bool(request_id)
        and request_id != "visitor-chosen"
        and any(line.endswith(" " + request_id) for line in lines),
        f"nginx's request id ({request_id or 'none'}) answered by the app and in the access log",
    )
    for path in sorted(log_dir.glob("*.log")):
        text = path.read_text(errors="replace")
        leaked = [m for m in (QUERY_MARKER, INVITATION_MARKER, FEED_MARKER) if m in text]
        check(not leaked, f"no query or secret in {path.name} ({leaked or 'none'})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--https-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--access-log", type=Path, required=True)
    parser.add_argument("--log-dir", type=Path, required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--health-deadline", type=float, default=120)
    parser.add_argument("manage", nargs="+", help="the command line of manage.py (DEBUG on)")
    args = parser.parse_args()
    deadline = time.monotonic() + args.health_deadline

    browser = Browser(args.https_port, args.host, args.cafile)
    page = log_in_and_read_start_page(browser, args.manage, args.email, args.password)
    static_file(browser, page)
    http_redirect(args.http_port, args.host)
    body_limit(browser)
    health(browser, deadline)
    secrets_stay_out_of_the_logs(browser, args.access_log, args.log_dir)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
