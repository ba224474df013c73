"""Settings for Ressursvenner, read from the environment (django-environ).

With nothing set (and DEBUG on, as `make` and `manage.py` default to) the service runs on
SQLite, prints email to the console and runs Celery on a filesystem broker that needs no
server. Production sets DEBUG=false and the variables in `.env.example`; a missing secret or a
development-only value then stops the start with one line that names the variable.
"""

from pathlib import Path
from typing import NoReturn

import environ
from celery.schedules import crontab
from csp import constants as csp_constants
from django.utils.translation import pgettext_lazy

from ressursvenner.refusal import RefusedStart

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Local settings may be kept in a .env file (ENV_FILE names another one); the process
# environment wins over it.
_ENV_FILE = Path(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))
if _ENV_FILE.is_file():
    environ.Env.read_env(_ENV_FILE, overwrite=False)

# DEBUG as the environment or .env says. Only when neither says anything does DEBUG_DEFAULT
# decide: manage.py and `make` set it to true (they are the developer's tools), while the web
# server, ASGI and Celery leave it unset and so start as production. A DEBUG=false in .env
# therefore beats every development default.
DEBUG = env.bool("DEBUG", default=env.bool("DEBUG_DEFAULT", default=False))


def _refuse_start(name: str, problem: str) -> NoReturn:
    """The one way a production start is refused: one line that names the variable."""
    raise RefusedStart(
        f"{name} {problem} (required when DEBUG is off; see .env.example; "
        f"for local development set DEBUG=true)."
    )


def _required(name: str, *, dev_default: str | None = None) -> str:
    """A secret that production must set. In DEBUG a clearly-marked development value is used."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG and dev_default is not None:
        return dev_default
    _refuse_start(name, "is not set")


SECRET_KEY = _required(
    "SECRET_KEY", dev_default="django-insecure-development-only-never-use-in-production"
)


def _development_encryption_key() -> str:
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()


# Keys for the encrypted fields: the first encrypts, all decrypt (rotation). Required in production.
FIELD_ENCRYPTION_KEYS = _required(
    "FIELD_ENCRYPTION_KEYS", dev_default=_development_encryption_key()
).split(",")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    _refuse_start("ALLOWED_HOSTS", "must name the host(s) the service answers on")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address people reach the service on; used in links inside emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "accounts.admin_apps.NationalAdminConfig",  # django.contrib.admin, for emergencies (superusers)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "auditlog",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Our apps, lowest floor first (see docs/architecture in the README).
    "accounts",
    "notifications",
    "courses",
    "volunteers",
    "supervision",
    "messaging",
    "matching",
    "reports",
    # The project itself, last (the top floor): its management commands (backup, restore,
    # status) and the nightly backup task.
    "ressursvenner",
]

MIDDLEWARE = [
    # First: the request id of every log line (common/logcontext.py).
    "common.logcontext.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "ressursvenner.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ressursvenner.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Memberships, idle timeout, the two-step gate and the acting role (accounts/middleware.py).
    "accounts.middleware.AccessMiddleware",
    # The programme's lists read once per request (accounts/lists.py).
    "accounts.lists.ListsMiddleware",
    # The acting role and pseudonymous user of every log line from here on.
    "common.logcontext.LogActorMiddleware",
]

ROOT_URLCONF = "ressursvenner.urls"
WSGI_APPLICATION = "ressursvenner.wsgi.application"
ASGI_APPLICATION = "ressursvenner.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.acting_role",
                "ressursvenner.navigation.navigation",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if not DEBUG else 0)
# Behind PgBouncer in transaction mode a cursor cannot outlive its transaction: set true there
# (docs/operations.md, "Connection pooling").
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DISABLE_SERVER_SIDE_CURSORS", default=False
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite (development and the demo) with the web server and a Celery worker writing side by
    # side: write-ahead logging lets readers go on during a write (set by the project's backend,
    # ressursvenner/sqlite, which survives both processes opening a new file at once), a
    # transaction takes the write lock when it begins (so it waits for the other writer instead
    # of failing halfway with "database is locked"), and a writer waits up to 20 s for the lock.
    # NORMAL is durable enough with WAL. Options given in DATABASE_URL win.
    DATABASES["default"]["ENGINE"] = "ressursvenner.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA synchronous=NORMAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Passwords --------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login, two-step login, sessions (django-allauth) ------------------------------------------

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"  # an invitation to the address is the proof
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # never mail an address that has no login
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_MIN_LENGTH = 12
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Ressursvenner: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Before a sensitive change (two-step settings, recovery codes, security keys, password) she
# confirms it is her within the last five minutes, with her password or her second step (app,
# recovery code or security key). Never with a code sent by email: her mailbox may be shared
# with the abuser or the family, so a code there proves nothing about who is at the keyboard.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
# Failed logins: at most 10 a minute from one address, and 5 per email address in 15 minutes;
# past that the login is closed for that address until the window has passed (the lockout).
LOGIN_LOCKOUT_ATTEMPTS = env.int("LOGIN_LOCKOUT_ATTEMPTS", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
# "application" is ours: the public application form takes APPLICATIONS_PER_HOUR from one
# address an hour, then asks her to wait (volunteers.views.apply). allauth counts it like its
# own, so every limit per visitor's address has one implementation and one idea of the address.
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"10/m/ip,{LOGIN_LOCKOUT_ATTEMPTS}/{LOGIN_LOCKOUT_MINUTES * 60}s/key",
    "reset_password": "20/m/ip,3/15m/key",
    "application": f"{env.int('APPLICATIONS_PER_HOUR', default=5)}/1h/ip",
}
# Reverse proxies in front of the web server that add to X-Forwarded-For (0 = none). allauth
# takes the visitor's address from there for every limit above: without it, everyone behind the
# proxy is one address, and ten failed logins from anyone close the login for everybody.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXIES", default=0 if DEBUG else 1)
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# A security key or passkey (WebAuthn) as the second step: phishing-resistant, bound to this
# site's address. Offered to everyone with two-step login, recommended for national admins.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Browsers treat http://localhost as secure, but the FIDO library wants https unless told;
# only for local development and the browser tests.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Passkeys: a WebAuthn credential kept on her phone or computer and unlocked there with its
# fingerprint, face or PIN. allauth's passkey login requires that user verification, so one tap
# proves both what she has (the device) and what she is or knows: it counts as both steps
# (accounts.access.two_step_passed). No sign-up with a passkey: logins come by invitation.
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_PASSKEY_SIGNUP_ENABLED = False
# No "trust this browser": every login asks for the second step (or a passkey), on any device.
# A shared or taken phone must not skip it. Nor a login by a code sent by email.
MFA_TRUST_ENABLED = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_BY_CODE_TRUST_ENABLED = False
MFA_FORMS = {
    "add_webauthn": "accounts.forms.AddSecurityKeyForm",
    "login_webauthn": "accounts.forms.PasskeyLoginForm",
    "activate_totp": "accounts.forms.ActivateAppForm",
    "authenticate": "accounts.forms.TwoStepCodeForm",
    "reauthenticate": "accounts.forms.ReauthenticateCodeForm",
}
MFA_TOTP_ISSUER = "Ressursvenner"
MFA_TOTP_TOLERANCE = 1  # accept the previous and next 30-second code for clock drift
MFA_RECOVERY_CODE_COUNT = 10

SESSION_COOKIE_AGE = 12 * 60 * 60
# Roles that can see a woman's data are logged out after this long without activity.
IDLE_TIMEOUT_SECONDS = env.int("IDLE_TIMEOUT_SECONDS", default=15 * 60)
IDLE_WARNING_SECONDS = 60  # the warning, with "stay logged in", comes this long before
INVITATION_VALID_DAYS = 7
# Who cannot be invited to the volunteer role (she has left, or her data is erased).
ACCOUNTS_INVITATION_CHECK = "volunteers.services.invitation_refusal"

PHONENUMBER_DEFAULT_REGION = "NO"
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

# --- Language and time ------------------------------------------------------------------------

LANGUAGE_CODE = "nb"
# The language of the interface and of her emails, named on its own (capitalised), not in a
# sentence as the languages she speaks are (accounts/languages.py).
LANGUAGES = [
    ("nb", pgettext_lazy("interface language", "Norwegian Bokmål")),
    ("en", pgettext_lazy("interface language", "English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "rv_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
# dd.mm.åååå and 24-hour times in both languages (ressursvenner/formats/).
FORMAT_MODULE_PATH = ["ressursvenner.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ------------------------------------------------------------------------------------

# Unset (or empty): printed to the console, for development.
EMAIL_CONFIG = env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
globals().update(EMAIL_CONFIG)  # EMAIL_BACKEND, EMAIL_HOST, ...
# In production every email goes to an SMTP server: the console, file, memory and dummy
# backends would print a live login link into a log, or silently drop it.
if not DEBUG and EMAIL_CONFIG["EMAIL_BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
    _refuse_start(
        "EMAIL_URL",
        (
            "is not set, so email would only be printed to the console"
            if not env.str("EMAIL_URL", default="")
            else "names a backend that never sends email (console, file, memory or dummy)"
        )
        + "; it must name an SMTP server, e.g. smtp+tls://user:password@smtp.example.org:587",
    )
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    # The console is a terminal or a worker's log: the same output, with the secrets of the
    # links (reset, invitation, calendar feed) hidden.
    EMAIL_BACKEND = "common.mail.ConsoleEmailBackend"
# Login emails (invitations, password resets) go through the notifications outbox.
ACCOUNTS_EMAIL_QUEUE = "notifications.services.email_queue_rendered"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ressursvenner <ikke-svar@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A strict content security policy: nothing inline, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
if not DEBUG:
    # Behind TLS in production. The __Host- prefix pins cookies to this exact host over HTTPS.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("BEHIND_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Background work (Celery) -----------------------------------------------------------------

# A broker that needs no server by default: kombu's filesystem transport, in var/celery/.
_CELERY_DIR = BASE_DIR / "var" / "celery"
CELERY_BROKER_URL = (
    env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="") or "filesystem://"
)
# The filesystem broker is for one machine in development: in production the web processes and
# the workers share a real broker.
if not DEBUG and CELERY_BROKER_URL.startswith("filesystem://"):
    _refuse_start(
        "CELERY_BROKER_URL",
        "must name a shared broker such as redis://127.0.0.1:6379/0 (or set REDIS_URL), "
        "not the development filesystem:// broker",
    )
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed", "control"):
        (_CELERY_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_CELERY_DIR / "queue"),
        "data_folder_out": str(_CELERY_DIR / "queue"),
        "processed_folder": str(_CELERY_DIR / "processed"),
        "control_folder": str(_CELERY_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Beat's record of when each entry last ran: a local file, the one beat writes. Set it outside
# the checkout when that is read-only (systemd's ProtectSystem=strict), e.g.
# /var/lib/ressursvenner/celerybeat-schedule.
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule")
)
# The statistics are served from snapshots (reports/snapshots.py): beat computes the national
# figures of the preset periods anew this often, and no page shows figures older than twice it.
STATISTICS_REFRESH_MINUTES = env.int("STATISTICS_REFRESH_MINUTES", default=15)
if STATISTICS_REFRESH_MINUTES < 1:
    raise RefusedStart("STATISTICS_REFRESH_MINUTES must be a whole number of minutes, 1 or more.")
# Beat's scheduler records that it is alive (for `manage.py status`; ressursvenner/beat.py).
CELERY_BEAT_SCHEDULER = "ressursvenner.beat:RecordingScheduler"
# The one place the periodic schedule is defined.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "notifications.heartbeat", "schedule": 60.0},
    "deliver-pending-email": {"task": "notifications.deliver_pending", "schedule": 60.0},
    # Page views write access log entries unchained; this chains them (accounts.audit). One
    # missed is made up by the next, so a run that waited in the queue too long is dropped.
    "access-log-chain": {
        "task": "accounts.chain_access_log",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    # The national statistics of the preset periods, computed ahead of the national admins. A
    # run that waited in the queue past the next one is dropped (the next one does its work).
    "statistics-refresh": {
        "task": "reports.refresh_statistics",
        "schedule": STATISTICS_REFRESH_MINUTES * 60.0,
        "options": {"expires": STATISTICS_REFRESH_MINUTES * 60},
    },
    "reminders-daily": {
        "task": "notifications.sweep_reminders",
        "schedule": crontab(hour=env.int("REMINDER_HOUR", default=7), minute=0),
    },
    "retention-nightly": {
        "task": "accounts.retention_daily",
        "schedule": crontab(hour=3, minute=15),
    },
    "sessions-clear-expired-nightly": {
        "task": "accounts.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
    "sent-email-scrub-nightly": {
        "task": "notifications.scrub_sent_email",
        "schedule": crontab(hour=3, minute=35),
    },
    "read-notifications-delete-nightly": {
        "task": "notifications.delete_read_notifications",
        "schedule": crontab(hour=3, minute=40),
    },
    "digest-monday": {
        "task": "notifications.send_digests",
        "schedule": crontab(day_of_week=1, hour=env.int("REMINDER_HOUR", default=7), minute=30),
    },
}

# --- Operations: the version, backups, status (docs/operations.md) ----------------------------


def _app_version() -> str:
    """The one source of the version is pyproject.toml; the service runs from a checkout, so it
    is read from there, or from the installed metadata when the file is not beside the code."""
    import tomllib
    from importlib import metadata

    try:
        with (BASE_DIR / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("ressursvenner")
    except metadata.PackageNotFoundError:
        return "unknown"


APP_VERSION = _app_version()

# Where `manage.py backup` writes (and the nightly backup, when set); empty: no nightly backup.
BACKUP_DIR = env.str("BACKUP_DIR", default="")
# How many backups the nightly run keeps (0: all); `manage.py backup --keep N` for one run.
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
# `manage.py status` fails when the last backup is older than this (0: backups are made another
# way and not checked).
BACKUP_MAX_AGE_HOURS = env.int("BACKUP_MAX_AGE_HOURS", default=26)
# The folder of pg_dump and pg_restore, when they are not those of the server's version in
# /usr/lib/postgresql/<version>/bin or on PATH.
PG_BIN_DIR = env.str("PG_BIN_DIR", default="")
# The task queue of the nightly backup: the default queue, or one that only the worker on the
# host that keeps the backups consumes (`celery worker -Q celery,backup`).
BACKUP_QUEUE = env.str("BACKUP_QUEUE", default="celery")
if BACKUP_DIR:
    CELERY_BEAT_SCHEDULE["backup-nightly"] = {
        "task": "ressursvenner.backup_nightly",
        "schedule": crontab(hour=env.int("BACKUP_HOUR", default=2), minute=0),
        "options": {"queue": BACKUP_QUEUE},
    }

# --- Change history (django-auditlog) ---------------------------------------------------------

# Who changed which field when, for the records that matter. Encrypted fields are shown only as
# "(changed)": their text never reaches the history (a test checks every encrypted field is here).
AUDITLOG_MASK_CALLABLE = "common.audit.mask_changed"
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {
        "model": "matching.referral",
        "mask_fields": [
            "alias",
            "phone",
            "wishes",
            "considerations",
            "safety_notes",
            "withdrawn_reason",
        ],
    },
    {"model": "matching.match", "mask_fields": ["end_note", "first_meeting_place"]},
    {"model": "matching.meeting", "mask_fields": ["note"]},
    {"model": "matching.concern", "mask_fields": ["text", "follow_up_note"]},
    {"model": "matching.followup", "mask_fields": ["note"]},
    {"model": "volunteers.volunteer", "mask_fields": ["interview_note"]},
    {"model": "volunteers.commitmentperiod", "mask_fields": ["end_note"]},
    # What the national admin changes in her pages (/admin-nks/): no personal data of a woman.
    {"model": "accounts.association"},
    {"model": "accounts.coverage"},
    {"model": "accounts.shelter"},
    {"model": "accounts.membership"},
    {"model": "courses.course"},
    {"model": "accounts.listentry"},
    # A login closed or opened again by a national admin (who and when); nothing else of hers.
    {"model": "accounts.user", "include_fields": ["is_active"]},
)
AUDITLOG_DISABLE_REMOTE_ADDR = True

# Where vulnerabilities are reported (served in /.well-known/security.txt).
SECURITY_CONTACT = env.str("SECURITY_CONTACT", default="mailto:security@example.org")

# Words that must never appear in an email, notification or calendar entry: seen over a
# shoulder or on a lock screen, they could out someone. (Checked by tests/security/test_leaks.py.)
SENSITIVE_WORDS = env.list(
    "SENSITIVE_WORDS",
    default=[
        "vold",
        "krisesenter",
        "overgrep",
        "overgriper",
        "tvangsekteskap",
        "æresrelatert",
        "voldtekt",
        "mishandling",
        "sosial kontroll",
        "violence",
        "shelter",
        "abuser",
        "forced marriage",
    ],
)

# --- Retention (a daily job erases what is no longer needed, keeping the statistical facts) ------

# A referral withdrawn or never matched: her details erased this many days after it closed.
RETENTION_UNMATCHED_REFERRAL_DAYS = env.int("RETENTION_UNMATCHED_REFERRAL_DAYS", default=91)
# An ended match: her details and every meeting and follow-up text erased after this many days.
RETENTION_ENDED_MATCH_DAYS = env.int("RETENTION_ENDED_MATCH_DAYS", default=183)
# A volunteer who left: her personal data erased this long after her last commitment ended.
RETENTION_VOLUNTEER_DAYS = env.int("RETENTION_VOLUNTEER_DAYS", default=183)
# Access log entries lose the link to the person after this many days.
RETENTION_ACCESS_LOG_DAYS = env.int("RETENTION_ACCESS_LOG_DAYS", default=730)
# A sent (or finally failed) email loses its recipient address and text after this many days.
RETENTION_SENT_EMAIL_DAYS = env.int("RETENTION_SENT_EMAIL_DAYS", default=30)
# A notification she has read is deleted this many days after it was made.
RETENTION_READ_NOTIFICATION_DAYS = env.int("RETENTION_READ_NOTIFICATION_DAYS", default=90)
# A message to many (its text and who got it) is deleted this many days after it was sent.
RETENTION_MESSAGE_DAYS = env.int("RETENTION_MESSAGE_DAYS", default=365)
# The coordinators are warned this many days before an erasure.
RETENTION_WARNING_DAYS = 30

# --- Access log ----------------------------------------------------------------------------------


def _development_audit_log_key() -> str:
    import hashlib

    return hashlib.sha256(b"ressursvenner.access-log|" + SECRET_KEY.encode()).hexdigest()


# Keys of the access log's chain (HMAC-SHA256), comma separated: the first signs new entries, all
# verify (rotation: put a new key first, keep the old ones). Apart from SECRET_KEY and the field
# keys, so that whoever can write the database cannot rebuild the chain. Required in production.
AUDIT_LOG_KEYS = [
    key.strip()
    for key in _required("AUDIT_LOG_KEYS", dev_default=_development_audit_log_key()).split(",")
    if key.strip()
]
if not AUDIT_LOG_KEYS or any(len(key) < 32 for key in AUDIT_LOG_KEYS):
    raise RefusedStart(
        "AUDIT_LOG_KEYS: each key must be at least 32 characters of random text; see .env.example."
    )
if set(AUDIT_LOG_KEYS) & {SECRET_KEY, *FIELD_ENCRYPTION_KEYS}:
    raise RefusedStart(
        "AUDIT_LOG_KEYS must not reuse SECRET_KEY or a key of FIELD_ENCRYPTION_KEYS."
    )

# The one upload (a coordinator's volunteer spreadsheet, at most 5 MB: volunteers.sheet.MAX_BYTES)
# is read in memory, never written to a temporary file with her volunteers' names in it.
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- The programme's rules ---------------------------------------------------------------------

# NKS recruits volunteers aged 25 or over.
VOLUNTEER_MINIMUM_AGE = env.int("VOLUNTEER_MINIMUM_AGE", default=25)
# A volunteer can correct her meeting log this many days; then it is locked.
MEETING_EDIT_DAYS = 7
# A new version of the confidentiality declaration must be signed within this many days of
# being published; after that an approved volunteer who has not signed it is not suggested
# for matching, and she and her coordinators are reminded (volunteers.reminders).
CONFIDENTIALITY_SIGN_DAYS = env.int("CONFIDENTIALITY_SIGN_DAYS", default=30)
# Suggestions also show volunteers of other associations this close (km) to where she lives.
MATCHING_NEIGHBOUR_KM = env.int("MATCHING_NEIGHBOUR_KM", default=40)

# --- Logging ----------------------------------------------------------------------------------

# Every record of every logger goes through the one console handler, whose filters add the
# request id, the acting role and the pseudonymous user (common/logcontext.py) and hide the
# secrets that travel in URLs (reset keys, invitation and calendar-feed tokens) in the message,
# the extra fields, the traceback and the stack (common/logging.py). Django's own handlers (its
# DEBUG console, mail_admins, runserver's request lines) would bypass them, so "django" and
# "django.server" lose theirs and propagate here; the Celery worker and beat use this
# configuration too (ressursvenner/celery.py).
# LOG_FORMAT: "json" (one JSON object a line, the default in production) or "text" (the
# default in development).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise RefusedStart(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
# The request id comes from the reverse proxy's X-Request-ID when there is a trusted proxy (it
# sets the header, e.g. nginx's $request_id); otherwise, and when the header is not a sane id,
# the application makes one.
LOG_TRUST_REQUEST_ID = ALLAUTH_TRUSTED_PROXY_COUNT > 0
_LOG_FILTERS = ["log_context", "redact_secrets"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(role)s %(user)s] "
            "%(message)s"
        },
        "json": {"()": "common.logging.JsonFormatter"},
    },
    "filters": {
        "log_context": {"()": "common.logcontext.LogContextFilter"},
        "redact_secrets": {"()": "common.logging.RedactSecretsFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": _LOG_FILTERS,
        },
        # Unhandled errors to ADMINS, with no personal data (common/errors.py).
        "mail_admins": {
            "class": "common.errors.AdminErrorEmailHandler",
            "level": "ERROR",
            "filters": _LOG_FILTERS,
        },
    },
    "root": {
        "handlers": ["console", "mail_admins"],
        "level": env.str("LOG_LEVEL", default="INFO"),
    },
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's request lines: paths carry random ids and codes only (never a search or
        # a name), and the secret ones are redacted.
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# --- Errors: to ADMINS by email, and to Sentry when SENTRY_DSN is set ----------------------------


def _admins(value: str) -> list[tuple[str, str]]:
    """ADMINS="Name <email>, other@example.org" as Django's [(name, email), ...]."""
    from email.utils import getaddresses

    admins = [(name or address, address) for name, address in getaddresses([value]) if address]
    if any("@" not in address for _name, address in admins):
        raise RefusedStart("ADMINS must be email addresses: Name <name@example.org>, ...")
    return admins


# Who gets an email for every unhandled error (a 500, a failed task), sent straight through
# EMAIL_URL: no request data, no personal data (common/errors.py). Empty: nobody.
ADMINS = _admins(env.str("ADMINS", default=""))
EMAIL_SUBJECT_PREFIX = "[Ressursvenner] "
# Should Django's exception report be rendered outside DEBUG, it shows no request data or variables.
DEFAULT_EXCEPTION_REPORTER_FILTER = "common.errors.NothingPersonalReporterFilter"

# Optional: error reports to Sentry, scrubbed of everything personal (common/sentry.py). Unset:
# sentry-sdk is not even imported.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from importlib.metadata import PackageNotFoundError, version

    from common import sentry

    try:
        _release: str | None = f"ressursvenner@{version('ressursvenner')}"
    except PackageNotFoundError:
        _release = None
    sentry.init(
        SENTRY_DSN,
        release=_release,
        environment=env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
    )
