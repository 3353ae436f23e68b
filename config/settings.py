"""Reifegrad settings. Everything that differs between machines comes from the environment."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use 1/0, true/false, yes/no")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def env_positive_int(name: str, default: int) -> int:
    """A count or a period that must be 1 or more (0 would switch a limit or a wait off)."""
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be 1 or more")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_addresses(name: str) -> list[tuple[str, str]]:
    """Comma-separated e-mail addresses, each "a@b.de" or "Name <a@b.de>", as Django's
    (name, address) pairs; a malformed address stops the start."""
    from email.utils import parseaddr

    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    pairs = []
    for item in env_list(name, []):
        real_name, address = parseaddr(item)
        try:
            validate_email(address)
        except ValidationError:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an e-mail address") from None
        pairs.append((real_name or address, address))
    return pairs


SUPPORTED_DATABASES = {
    "django.db.backends.sqlite3": "sqlite:///PATH",
    "django.db.backends.postgresql": "postgres://USER:PASSWORD@HOST:PORT/NAME",
}


def database_from_url(url: str | None) -> dict[str, Any]:
    """SQLite file by default; PostgreSQL when DATABASE_URL is postgres://user:pw@host/name.

    The URL is read by dj-database-url, so every query option (`?sslmode=require`,
    `?connect_timeout=5`, ...) reaches the driver through OPTIONS; our own options fill in
    only what the URL does not say.
    """
    if url is None:
        return sqlite_database(BASE_DIR / "db.sqlite3")
    try:
        parsed: dict[str, Any] = dict(dj_database_url.parse(url))
    except (ValueError, dj_database_url.UnknownSchemeError) as error:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {error}") from None
    engine = parsed["ENGINE"]
    if engine not in SUPPORTED_DATABASES:
        raise ImproperlyConfigured(
            f"DATABASE_URL for {engine} is not supported; use "
            + " or ".join(SUPPORTED_DATABASES.values())
        )
    url_options = parsed.get("OPTIONS", {})
    # dj-database-url reads sqlite:/// as an in-memory database: every connection its own.
    if parsed["NAME"] in {"", ":memory:"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL needs a database name or file: {SUPPORTED_DATABASES[engine]}"
        )
    if engine == "django.db.backends.sqlite3":
        database = sqlite_database(Path(parsed["NAME"]))
    else:
        database = {
            "ENGINE": engine,
            "NAME": parsed["NAME"],
            "USER": parsed["USER"],
            "PASSWORD": parsed["PASSWORD"],
            "HOST": parsed["HOST"],
            "PORT": str(parsed["PORT"]),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": postgres_options(),
        }
    database["OPTIONS"] = {**database["OPTIONS"], **url_options}
    return database


def postgres_options() -> dict[str, Any]:
    """Parameters bound on the server, and a query run five times on a connection prepared.

    Both are documented options: `server_side_binding` of Django's PostgreSQL backend and
    psycopg's `prepare_threshold` (a connection parameter Django passes on). PostgreSQL then
    parses and plans each of a page's queries once per connection, not on every request
    (bench/README.md). A pooler in transaction mode (PgBouncer before 1.21, or without
    max_prepared_statements) cannot keep prepared statements: set
    DATABASE_PREPARED_STATEMENTS=0 there.
    """
    if not env_bool("DATABASE_PREPARED_STATEMENTS", True):
        return {}
    return {"server_side_binding": True, "prepare_threshold": 5}


def sqlite_database(path: Path) -> dict[str, Any]:
    # Writers queue this many seconds instead of failing at once with "database is locked".
    busy_timeout = env_int("SQLITE_BUSY_TIMEOUT", 20)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Kept open like PostgreSQL's: opening a connection (with the PRAGMAs below) cost more
        # than a whole small page, and a write on a fresh connection several times that.
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "timeout": busy_timeout,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                f"PRAGMA busy_timeout={busy_timeout * 1000};"
                "PRAGMA foreign_keys=ON;"
            ),
        },
        "TEST": {"NAME": None},
    }


CACHE_TABLE = "reifegrad_cache"


def cache_from_url(url: str | None) -> dict[str, Any]:
    """A cache every app server and worker shares: sessions live in it.

    By default Django's database cache in the app's own database (the table is made by
    `manage.py createcachetable`); redis://HOST:PORT/DB (or rediss:// with TLS) uses Django's
    Redis backend (needs the `redis` extra). A per-process cache (locmem) is refused: a
    logged-out or revoked session would stay alive in the other workers.
    """
    if url is None or url in {"db://", "db:"}:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Past this many entries Django deletes a third of them on the next write;
            # sessions then come from their table again, so this bounds work, not data.
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20_000)},
        }
    scheme = url.split(":", 1)[0].lower()
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperlyConfigured(
        f"CACHE_URL scheme {scheme!r} is not supported; leave it unset (database cache) or use "
        "redis://HOST:PORT/DB; a per-process cache would keep ended sessions alive elsewhere"
    )


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
# Management commands that sign nothing lasting (makemigrations, migrate, check) run without
# a key; serving the app does not: config/wsgi.py sets REQUIRE_SECRET_KEY, and
# `check --deploy` reports a missing key as an error.
SECRET_KEY_MISSING = SECRET_KEY is None and not DEBUG
if SECRET_KEY is None:
    if SECRET_KEY_MISSING and env_bool("REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (for local development set DEBUG=1)"
        )
    SECRET_KEY = (
        "insecure-development-key-only-for-debug-mode" if DEBUG else secrets.token_urlsafe(50)
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "assessment",
]

MIDDLEWARE = [
    # Outermost: every request gets an id and one log line with its status and duration.
    "assessment.middleware.RequestLog",
    # First: an oversized body is refused before anything reads it.
    "assessment.middleware.RequestBodyLimit",
    "django.middleware.security.SecurityMiddleware",
    "assessment.middleware.PrivateByDefault",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "assessment.middleware.SessionIdleTimeout",
    "assessment.middleware.GermanUnlessChosen",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: an approved consultant without a second factor, where the
    # operator requires one, is sent to set it up before any other page.
    "assessment.middleware.ConsultantSecondFactor",
    # Last, as django-axes asks: it turns a lockout noted during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"))}
CACHES = {"default": cache_from_url(env_str("CACHE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "assessment.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out address and e-mail pair is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    # django-allauth's backend (log in by e-mail address), loading the consultant profile.
    "assessment.auth.ProfileLoadingBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "assessment" / "locale"]
# Dates follow the active language: "01.12.2026" in German, "1 Dec 2026" in English.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
# English dates as "1 Dec 2026" rather than the US "Dec. 1, 2026" (config/formats/en).
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
# In production (STATIC_MANIFEST=1) `collectstatic` writes hashed, compressed copies that
# whitenoise serves from the app server with long cache lifetimes. In development and tests
# Django serves the files as they are.
SERVE_COLLECTED_STATIC = env_bool("STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if SERVE_COLLECTED_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if SERVE_COLLECTED_STATIC:
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend: one file per mail.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Implicit TLS (port 465); STARTTLS is EMAIL_USE_TLS. Django refuses both at once.
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL, not both")
# Seconds a worker waits for the mail server before the attempt counts as failed.
EMAIL_TIMEOUT = env_positive_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Reifegrad <noreply@localhost>")
# The operators: told about every new consultant sign-up that waits for approval.
MANAGERS = env_addresses("MANAGERS")
# The sender of error mails to ADMINS.
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Mails are background tasks (assessment/mail.py): a failed attempt is tried again after
# MAIL_RETRY_BASE_SECONDS, then twice as long each time, MAIL_RETRY_ATTEMPTS in all.
MAIL_RETRY_ATTEMPTS = env_positive_int("MAIL_RETRY_ATTEMPTS", 6)
MAIL_RETRY_BASE_SECONDS = env_positive_int("MAIL_RETRY_BASE_SECONDS", 30)


# Who gets a mail for every 500: ADMINS="Ops <ops@example.de>, dev@example.de".
ADMINS = env_addresses("ADMINS")

# Background tasks (django-tasks, the backport of Django 6's Tasks API): by default a
# queue in the app's own database (django-tasks-db), worked off by `manage.py run_worker`
# (README: workers). TASK_BACKEND=immediate runs every task inside the request that
# enqueues it (tests, or a machine that cannot run a worker).
TASK_BACKEND = env_str("TASK_BACKEND", "database")
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASK_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASK_BACKEND={TASK_BACKEND!r} is not supported; use {' or '.join(TASK_BACKENDS)}"
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASK_BACKEND], "QUEUES": ["default", "pdf"]}}
# A task still marked running this long after it started lost its worker (killed, machine
# gone); `run_worker` puts it back in the queue, at most TASK_MAX_ATTEMPTS runs in all.
TASK_STALE_SECONDS = env_positive_int("TASK_STALE_SECONDS", 300)
TASK_MAX_ATTEMPTS = env_positive_int("TASK_MAX_ATTEMPTS", 3)
# The niceness `run_worker` gives itself (0 = normal, 19 = lowest priority): on a machine
# that also serves pages, a render takes the CPU the pages leave (bench/README.md).
TASK_WORKER_NICE = env_int("TASK_WORKER_NICE", 10)
if not 0 <= TASK_WORKER_NICE <= 19:
    raise ImproperlyConfigured("TASK_WORKER_NICE must be between 0 and 19")
# PDF renders one client address may start within an hour (renders of a report already
# stored cost nothing and are not counted).
PDF_RENDERS_PER_HOUR = env_positive_int("PDF_RENDERS_PER_HOUR", 20)
# Seconds the "wird erstellt" page waits before it asks again; every ask is a request.
PDF_REFRESH_SECONDS = env_positive_int("PDF_REFRESH_SECONDS", 2)
# Queue a check's PDF as soon as it is finished (in the language of the person finishing
# it), so the first click on the PDF link usually finds the file ready.
PDF_RENDER_ON_FINISH = env_bool("PDF_RENDER_ON_FINISH", True)

# Logs: plain text by default; LOG_FORMAT=json writes one JSON object per line, with the
# request id on every line logged during a request (assessment.logs).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not supported; use text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "assessment.logs.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "assessment.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
        # A mail to ADMINS for every error logged by Django's request handling (a 500),
        # sent through the task queue like every other mail.
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "assessment.logs.QueuedAdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's default handlers on "django" (their admin mail would be sent
        # inside the failing request, and a second time).
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"handlers": ["mail_admins"], "level": "ERROR"},
        # WeasyPrint reports every rendering step at INFO and every refused URL as a warning.
        "weasyprint": {"level": "ERROR"},
        "weasyprint.progress": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}

# Error reports to Sentry (or a compatible service) when SENTRY_DSN is set: no personal
# data (no cookies, no request bodies, no addresses, no secret links; assessment.logs).
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk

    from assessment.logs import scrub_sentry_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        send_default_pii=False,
        before_send=scrub_sentry_event,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=0.0,
    )

# Security headers and cookies; HTTPS settings follow the environment (see README).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Sessions in the shared cache, backed by their table (Django's cached_db): read from the
# cache, written to both, so a session ended on one server is gone on all of them.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("TRUST_PROXY_HTTPS", False):
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: only the app's own files; no inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# The client's address for login lockouts and token throttling. Behind N reverse proxies
# that each append to X-Forwarded-For, set TRUSTED_PROXY_COUNT=N; with 0 the header is
# ignored, because anyone can send it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")

# Login lockout (django-axes, attempts kept in the database): locked per e-mail address and
# client address together, so nobody can lock another person out from elsewhere.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The field of django-allauth's login form.
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "assessment.throttle.login_name"
AXES_CLIENT_IP_CALLABLE = "assessment.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "assessment.views.accounts.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False  # no start-up banner; log lines name only e-mail and address

# Secret links (resume links, invitations): after this many misses from one address within
# the window, further lookups from it get 429 until the window has passed.
TOKEN_MISS_LIMIT = env_int("TOKEN_MISS_LIMIT", 10)
TOKEN_MISS_WINDOW = timedelta(minutes=env_int("TOKEN_MISS_WINDOW_MINUTES", 15))

# An invitation link works this many days after it was sent, once.
INVITATION_DAYS = env_int("INVITATION_DAYS", 14)

# A session unused for this long is ended: logged out, and an anonymous check's access
# is gone (the resume link brings it back). It is the session's own expiry: a session
# (its row, its cache entry and its cookie) lives this long after it was last saved, and
# assessment.middleware.SessionIdleTimeout saves a session in use at least once a minute.
SESSION_COOKIE_AGE = 60 * env_int("SESSION_IDLE_TIMEOUT_MINUTES", 120)
for _name, _value in {
    "LOGIN_FAILURE_LIMIT": AXES_FAILURE_LIMIT,
    "LOGIN_LOCKOUT_MINUTES": AXES_COOLOFF_TIME.total_seconds(),
    "TOKEN_MISS_LIMIT": TOKEN_MISS_LIMIT,
    "TOKEN_MISS_WINDOW_MINUTES": TOKEN_MISS_WINDOW.total_seconds(),
    "SESSION_IDLE_TIMEOUT_MINUTES": SESSION_COOKIE_AGE,
    "INVITATION_DAYS": INVITATION_DAYS,
}.items():
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more")

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "companies"
LOGOUT_REDIRECT_URL = "home"

# Request bodies: the largest accepted, in KB, refused with 413 before anything reads them
# (assessment.middleware.RequestBodyLimit). The reverse proxy should refuse the same
# (nginx: client_max_body_size, README). Paths are regular expressions from the start.
REQUEST_BODY_LIMIT = 1024 * env_int("REQUEST_BODY_LIMIT_KB", 256)
LOGO_UPLOAD_LIMIT = 1024 * env_int("LOGO_UPLOAD_LIMIT_KB", 1024)
QUESTIONNAIRE_UPLOAD_LIMIT = 1024 * env_int("QUESTIONNAIRE_UPLOAD_LIMIT_KB", 2048)
# The moderation page sends every question of a check with its note at once.
FACILITATION_BODY_LIMIT = 1024 * env_int("FACILITATION_BODY_LIMIT_KB", 1024)
REQUEST_BODY_LIMITS = [
    (r"^/berater/profil/$", LOGO_UPLOAD_LIMIT),
    (r"^/admin/assessment/questionnaire/", QUESTIONNAIRE_UPLOAD_LIMIT),
    (r"^/check/[0-9a-f-]+/moderation/$", FACILITATION_BODY_LIMIT),
]
# Django's own ceilings behind it: form fields at most the largest non-file limit, and
# uploads up to the largest limit kept in memory, so no upload is written to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(REQUEST_BODY_LIMIT, FACILITATION_BODY_LIMIT)
FILE_UPLOAD_MAX_MEMORY_SIZE = max(LOGO_UPLOAD_LIMIT, QUESTIONNAIRE_UPLOAD_LIMIT)

# Mails the app sends on somebody's request (resume links, invitations, team members'
# links): at most so many within MAIL_LIMIT_WINDOW_MINUTES per recipient address, per
# check and per company; counted in the database (MailLog), so every server shares them.
MAIL_LIMIT_WINDOW = timedelta(minutes=env_int("MAIL_LIMIT_WINDOW_MINUTES", 60))
MAIL_LIMIT_PER_RECIPIENT = env_int("MAIL_LIMIT_PER_RECIPIENT", 3)
MAIL_LIMIT_PER_ASSESSMENT = env_int("MAIL_LIMIT_PER_ASSESSMENT", 10)
MAIL_LIMIT_PER_COMPANY = env_int("MAIL_LIMIT_PER_COMPANY", 20)
for _name, _value in {
    "REQUEST_BODY_LIMIT_KB": REQUEST_BODY_LIMIT,
    "LOGO_UPLOAD_LIMIT_KB": LOGO_UPLOAD_LIMIT,
    "QUESTIONNAIRE_UPLOAD_LIMIT_KB": QUESTIONNAIRE_UPLOAD_LIMIT,
    "FACILITATION_BODY_LIMIT_KB": FACILITATION_BODY_LIMIT,
    "MAIL_LIMIT_WINDOW_MINUTES": MAIL_LIMIT_WINDOW.total_seconds(),
    "MAIL_LIMIT_PER_RECIPIENT": MAIL_LIMIT_PER_RECIPIENT,
    "MAIL_LIMIT_PER_ASSESSMENT": MAIL_LIMIT_PER_ASSESSMENT,
    "MAIL_LIMIT_PER_COMPANY": MAIL_LIMIT_PER_COMPANY,
}.items():
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more")

# Accounts (django-allauth): the e-mail address is the login; a new account is usable only
# once its address is verified; sign-up and password reset answer the same whether an
# account exists or not (the existing address gets a mail instead).
ACCOUNT_ADAPTER = "assessment.accounts.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Sessions end after the idle timeout (SESSION_IDLE_TIMEOUT_MINUTES), as before.
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Reifegrad] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SESSION_COOKIE_SECURE else "http"
# Counted in the shared cache, so every app server sees the same counts. Failed logins are
# django-axes' part (per e-mail and client address, above); a second count here would
# answer a locked pair with a form error instead of the lockout page.
ACCOUNT_RATE_LIMITS = {
    "login": f"{env_int('ACCOUNT_LOGIN_RATE_PER_MINUTE', 30)}/m/ip",
    "login_failed": False,
    "signup": f"{env_int('ACCOUNT_SIGNUP_RATE_PER_HOUR', 20)}/h/ip",
    "reset_password": f"{env_int('ACCOUNT_RESET_RATE_PER_HOUR', 20)}/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Two-factor login (django-allauth's mfa): an authenticator app (TOTP) and recovery codes,
# offered to everyone; REQUIRE_2FA_FOR_CONSULTANTS=1 makes it a must for consultants.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Reifegrad"
REQUIRE_2FA_FOR_CONSULTANTS = env_bool("REQUIRE_2FA_FOR_CONSULTANTS", False)

# The public address of the app, for links in mails sent outside a request (reminders).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# The operator of this installation, for the Impressum (§ 5 DDG) and the privacy notice
# (Art. 13 GDPR). Every page footer and every PDF link to both pages; while OPERATOR_NAME is
# unset the pages say that the operator has not filled them in.
OPERATOR_NAME = env_str("OPERATOR_NAME", "")
# Postal address; "|" separates lines: "Musterstraße 1|12345 Musterstadt".
OPERATOR_ADDRESS = [
    line.strip() for line in (env_str("OPERATOR_ADDRESS", "") or "").split("|") if line.strip()
]
OPERATOR_REPRESENTATIVE = env_str("OPERATOR_REPRESENTATIVE", "")
OPERATOR_EMAIL = env_str("OPERATOR_EMAIL", "")
OPERATOR_PHONE = env_str("OPERATOR_PHONE", "")
# Register entry and VAT id, as one line each where they exist.
OPERATOR_REGISTER = env_str("OPERATOR_REGISTER", "")
OPERATOR_VAT_ID = env_str("OPERATOR_VAT_ID", "")
# The data-protection contact (or officer, § 38 BDSG); the operator's e-mail when unset.
PRIVACY_CONTACT = env_str("PRIVACY_CONTACT", "")
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", "")
# Where the servers and the database run, and who hosts them (a processor under Art. 28).
HOSTING_PROVIDER = env_str("HOSTING_PROVIDER", "")
HOSTING_LOCATION = env_str("HOSTING_LOCATION", "")
# The supervisory authority the privacy notice names for complaints (Art. 77 GDPR).
PRIVACY_AUTHORITY = env_str("PRIVACY_AUTHORITY", "")

# Retention (`manage.py purge`, daily from cron; README): checks without an account, secret
# links and the records kept to throttle guessing are deleted after these many days.
RETENTION_ANONYMOUS_DRAFT_DAYS = env_positive_int("RETENTION_ANONYMOUS_DRAFT_DAYS", 90)
RETENTION_ANONYMOUS_COMPLETED_DAYS = env_positive_int("RETENTION_ANONYMOUS_COMPLETED_DAYS", 365)
# A resume link of a check without an account stops working after this many days unused;
# team members' links of a workshop do not (the people of the company block those). As long
# as the draft retention by default, so a draft's link lives as long as the draft.
RESUME_LINK_IDLE_DAYS = env_positive_int("RESUME_LINK_IDLE_DAYS", 90)
RETENTION_TOKEN_MISS_DAYS = env_positive_int("RETENTION_TOKEN_MISS_DAYS", 30)
RETENTION_LOGIN_ATTEMPT_DAYS = env_positive_int("RETENTION_LOGIN_ATTEMPT_DAYS", 30)
# Finished background tasks (sent mails with their addresses and texts, PDF renders, failed
# attempts) stay visible in the admin this long, then `purge` deletes them.
RETENTION_TASK_RESULT_DAYS = env_positive_int("RETENTION_TASK_RESULT_DAYS", 30)
# How long before the deletion of a check without an account its pages say so.
RETENTION_NOTICE_DAYS = env_positive_int("RETENTION_NOTICE_DAYS", 30)
