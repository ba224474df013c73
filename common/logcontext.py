"""Who and which request a log line belongs to, without saying who she is.

Every record gets three fields (`LogContextFilter`, on every handler of settings.LOGGING):

- `request_id`: one id per request, the same on every line the request writes and on every
  line of the Celery tasks it enqueued (`task_headers` puts it in the task's message,
  `task_started` restores it in the worker). It is sent back in the `X-Request-ID` header, so
  a person who reports a fault can quote it. A task that no request enqueued (beat's) carries
  its own task id.
- `role`: the role she acts in (`coordinator`, `volunteer`, ...), `none` for a login with no
  role, `anonymous` before login; `-` outside a request, or in a task no request enqueued.
- `user`: a pseudonymous id of the login (`log_user_id`): an HMAC of the user's primary key
  with a key derived from SECRET_KEY. The same person has the same id on every line, so one
  person's steps can be followed, but the logs cannot be joined to the database without the
  key (unlike the user's public_id, which appears in the addresses of the admin pages), and an
  authorised admin on the server finds whose it is with `manage.py log_user_id`.

Never her email, name or address (IP): the client's address is personal data, and the reverse
proxy's access log already has it.
"""

import contextvars
import functools
import logging
import re
import uuid

from django.conf import settings
from django.core.signals import request_finished
from django.utils.crypto import salted_hmac

NOBODY = "-"
ANONYMOUS = "anonymous"
NO_ROLE = "none"

_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "log_request_id", default=None
)
_ACTOR: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "log_actor", default=None
)

# An incoming X-Request-ID is used only when it looks like an id (nginx's $request_id is 32 hex
# digits, a UUID 36 characters): anything else could carry text into the log.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
REQUEST_ID_HEADER = "X-Request-ID"
# What a task message may carry as the role and the pseudonymous user.
_ROLE_PATTERN = re.compile(r"[a-z_]{1,32}")
_USER_PATTERN = re.compile(r"[0-9a-f]{16}|-")

# The names under which a task's message carries the context (Celery task headers).
_TASK_HEADERS = {"request_id": "x_request_id", "role": "x_log_role", "user": "x_log_user"}


def log_user_id(pk) -> str:
    """The pseudonymous id of the login with primary key `pk`: 16 hex digits of an HMAC-SHA256
    keyed with SECRET_KEY (a new SECRET_KEY gives everybody a new id). Computed once per login
    and key in a process: each request asks for it twice (once its role is known, and again
    after the response, in case the view logged someone in or out)."""
    return _log_user_id(settings.SECRET_KEY, str(pk))


@functools.lru_cache(maxsize=4096)
def _log_user_id(secret: str, pk: str) -> str:
    return salted_hmac(
        "ressursvenner.log-user-id", pk, secret=secret, algorithm="sha256"
    ).hexdigest()[:16]


def valid_request_id(value: str | None) -> str | None:
    """`value` when it is a sane request id, else None."""
    if value and REQUEST_ID_PATTERN.fullmatch(value):
        return value
    return None


def current_request_id() -> str | None:
    return _REQUEST_ID.get()


def current_actor() -> tuple[str, str]:
    """(role, pseudonymous user id) of the request or task being handled; ("-", "-") outside
    one, or before the role is known."""
    return _ACTOR.get() or (NOBODY, NOBODY)


def begin(request_id: str | None, actor: tuple[str, str] | None = None) -> None:
    _REQUEST_ID.set(request_id)
    _ACTOR.set(actor)


def clear(**kwargs) -> None:
    """Forget the context (after a response is sent, after a task). A signal receiver too."""
    _REQUEST_ID.set(None)
    _ACTOR.set(None)


def actor_of(request) -> tuple[str, str]:
    """(role, pseudonymous id) from what the access middleware set on the request: read from
    attributes only, so that this floor names no app. `request.user` is read only once the
    authentication middleware has set it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return (ANONYMOUS, NOBODY)
    membership = getattr(request, "membership", None)
    role = getattr(membership, "role", None) or NO_ROLE
    return (str(role), log_user_id(user.pk))


class LogContextFilter(logging.Filter):
    """Adds `request_id`, `role` and `user` to every record (for the text and the JSON format
    alike); never drops one. A record that already has them keeps them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _REQUEST_ID.get() or NOBODY
        if not hasattr(record, "role") or not hasattr(record, "user"):
            record.role, record.user = current_actor()
        return True


class RequestIdMiddleware:
    """First in MIDDLEWARE: gives the request its id before anything can log, and returns it in
    the X-Request-ID header.

    The id comes from the reverse proxy's X-Request-ID when LOG_TRUST_REQUEST_ID is on (a
    trusted proxy sets it, e.g. nginx's `proxy_set_header X-Request-ID $request_id`, so it is
    also in the proxy's access log) and it is a sane id; otherwise a new uuid4. The context is
    cleared when the response is finished (request_finished), after Django has logged "Not
    Found" or "Internal Server Error" for it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.trust_header = getattr(settings, "LOG_TRUST_REQUEST_ID", False)
        request_finished.connect(clear, dispatch_uid="common.logcontext.clear")

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER) if self.trust_header else None
        request.request_id = valid_request_id(incoming) or uuid.uuid4().hex
        begin(request.request_id)
        response = self.get_response(request)
        # A request the access middleware answered itself (a redirect to the login) did not
        # reach LogActorMiddleware.
        _ACTOR.set(actor_of(request))
        response.headers[REQUEST_ID_HEADER] = request.request_id
        return response


class LogActorMiddleware:
    """Right after the access middleware (accounts.middleware.AccessMiddleware), which sets
    `request.user` and `request.membership`: from here on the log lines carry her role and
    pseudonymous id (a page that is not found, or fails, included)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _ACTOR.set(actor_of(request))
        return self.get_response(request)


# --- Celery: the request's context travels with the tasks it enqueues --------------------------


def task_headers(headers=None, **kwargs) -> None:
    """before_task_publish: the current request id, role and pseudonymous user go into the
    task message's headers (nothing when there is no request or task around)."""
    request_id = _REQUEST_ID.get()
    if headers is None or request_id is None:
        return
    role, user = current_actor()
    headers.setdefault(_TASK_HEADERS["request_id"], request_id)
    headers.setdefault(_TASK_HEADERS["role"], role)
    headers.setdefault(_TASK_HEADERS["user"], user)


def task_started(task_id=None, task=None, **kwargs) -> None:
    """task_prerun, in the worker: the context the task's message carries, or the task's own id
    when no request enqueued it. An eager task (tests, CELERY_TASK_ALWAYS_EAGER) runs inside the
    request that called it and keeps its context."""
    context = getattr(task, "request", None)
    if context is None or getattr(context, "is_eager", False):
        return
    request_id = valid_request_id(getattr(context, _TASK_HEADERS["request_id"], None))
    role = str(getattr(context, _TASK_HEADERS["role"], ""))
    user = str(getattr(context, _TASK_HEADERS["user"], ""))
    sane = _ROLE_PATTERN.fullmatch(role) and _USER_PATTERN.fullmatch(user)
    actor = (role, user) if request_id and sane else None
    begin(request_id or task_id, actor)


def task_finished(task=None, **kwargs) -> None:
    """task_postrun: the worker's next lines belong to no task."""
    context = getattr(task, "request", None)
    if context is not None and not getattr(context, "is_eager", False):
        clear()
