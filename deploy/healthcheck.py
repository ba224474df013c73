"""The container's health check (Dockerfile HEALTHCHECK): is the web process alive?

    python deploy/healthcheck.py [URL]      (default http://127.0.0.1:8000/helse/)

Exits 0 when gunicorn answers /helse/ with the health view's JSON, 200 or 503: the process is
alive. A 503 names what else is down (the database, the broker, the worker); those have their own
health checks, and restarting the web container would not mend them. The load balancer and the
monitor read /helse/ itself and take 200 only (docs/deployment.md). Standard library only: the
image has no curl.
"""

import json
import os
import sys
import urllib.error
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to report, not one to follow


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else "http://127.0.0.1:8000/helse/"
    if not url.startswith(("http://", "https://")):
        print(f"unhealthy: not an HTTP address: {url}")
        return 1
    # Django answers only its own host names, and (behind the TLS proxy) only requests the proxy
    # marked as HTTPS: ask as the proxy would.
    host = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
    headers = {"X-Forwarded-Proto": "https", "User-Agent": "ressursvenner-healthcheck"}
    if host and host != "*":
        headers["Host"] = host
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http(s) only, above)
        with opener.open(request, timeout=5) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except OSError as error:
        print(f"unhealthy: no answer from {url}: {error}")
        return 1
    try:
        checks = json.loads(body)
    except ValueError:
        checks = None
    if status in (200, 503) and isinstance(checks, dict) and "status" in checks:
        print(f"alive: {status} {json.dumps(checks, sort_keys=True)}")
        return 0
    hint = {
        301: " (a redirect to HTTPS: is BEHIND_PROXY off?)",
        400: " (is the first of ALLOWED_HOSTS a plain host name?)",
    }.get(status, "")
    print(f"unhealthy: {url} answered {status}{hint}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
