"""Liuzheng settings. Every setting comes from the environment (see README's table)."""
import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default=False):
    return os.environ.get(name, str(default)).lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(os.environ.get(name, default))


def envlist(name, default=""):
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


# Production refuses to invent secrets: keys must be provided, never created on the fly.
PRODUCTION = envbool("LIUZHENG_PRODUCTION")
DEBUG = envbool("LIUZHENG_DEBUG")

LIUZHENG_DATA_DIR = Path(os.environ.get("LIUZHENG_DATA_DIR", BASE_DIR / "var")).resolve()
LIUZHENG_MASTER_KEY_FILE = Path(
    os.environ.get("LIUZHENG_MASTER_KEY_FILE", LIUZHENG_DATA_DIR / "keys" / "master-keyset.json")
)
# Alternative to the file: the keyset JSON itself (read-only; rotation needs the file).
LIUZHENG_MASTER_KEY = os.environ.get("LIUZHENG_MASTER_KEY", "")
LIUZHENG_BLOB_DIR = Path(os.environ.get("LIUZHENG_BLOB_DIR", LIUZHENG_DATA_DIR / "blobs"))
# Where blob ciphertext lives: "disk" (LIUZHENG_BLOB_DIR) or "s3", any S3-compatible object
# store (docs/deployment.md). Empty key/secret: boto3's own chain (AWS_* variables, roles).
LIUZHENG_BLOB_BACKEND = os.environ.get("LIUZHENG_BLOB_BACKEND", "disk")
LIUZHENG_S3_ENDPOINT_URL = os.environ.get("LIUZHENG_S3_ENDPOINT_URL", "")
LIUZHENG_S3_BUCKET = os.environ.get("LIUZHENG_S3_BUCKET", "")
LIUZHENG_S3_PREFIX = os.environ.get("LIUZHENG_S3_PREFIX", "")
LIUZHENG_S3_REGION = os.environ.get("LIUZHENG_S3_REGION", "us-east-1")
LIUZHENG_S3_ACCESS_KEY_ID = os.environ.get("LIUZHENG_S3_ACCESS_KEY_ID", "")
LIUZHENG_S3_SECRET_ACCESS_KEY = os.environ.get("LIUZHENG_S3_SECRET_ACCESS_KEY", "")
LIUZHENG_S3_ADDRESSING_STYLE = os.environ.get("LIUZHENG_S3_ADDRESSING_STYLE", "path")
LIUZHENG_S3_PART_MB = envint("LIUZHENG_S3_PART_MB", 8)
LIUZHENG_MAX_UPLOAD_BYTES = envint("LIUZHENG_MAX_UPLOAD_MB", 200) * 1024 * 1024
LIUZHENG_MAX_IMAGE_PIXELS = envint("LIUZHENG_MAX_IMAGE_PIXELS", 80_000_000)

# Ed25519 key that signs bundle manifests; created on first run.
LIUZHENG_SIGNING_KEY_FILE = os.environ.get("LIUZHENG_SIGNING_KEY_FILE", "")
# Bundles: how long a finished export stays downloadable, and the verify page's upload cap.
LIUZHENG_BUNDLE_EXPIRY_DAYS = envint("LIUZHENG_BUNDLE_EXPIRY_DAYS", 30)
LIUZHENG_VERIFY_MAX_BYTES = envint("LIUZHENG_VERIFY_MAX_MB", 100) * 1024 * 1024
LIUZHENG_VERIFY_PER_HOUR = envint("LIUZHENG_VERIFY_PER_HOUR", 20)
# Sharing: how long an invitation or a witness link stays open, and guessing limits.
LIUZHENG_INVITATION_DAYS = envint("LIUZHENG_INVITATION_DAYS", 7)
LIUZHENG_WITNESS_LINK_DAYS = envint("LIUZHENG_WITNESS_LINK_DAYS", 14)
LIUZHENG_TOKEN_TRIES_PER_HOUR = envint("LIUZHENG_TOKEN_TRIES_PER_HOUR", 30)
LIUZHENG_WITNESS_POSTS_PER_HOUR = envint("LIUZHENG_WITNESS_POSTS_PER_HOUR", 20)
LIUZHENG_OTP_TRIES_PER_15MIN = envint("LIUZHENG_OTP_TRIES_PER_15MIN", 10)
# A CJK font for catalog.pdf (path[:face]); Noto Sans CJK SC from fonts-noto-cjk by default.
LIUZHENG_CJK_FONT = os.environ.get("LIUZHENG_CJK_FONT", "")
# Where the quick-exit control on every page goes (a neutral page; issue 14).
LIUZHENG_QUICK_EXIT_URL = os.environ.get("LIUZHENG_QUICK_EXIT_URL", "https://www.weather.com.cn/")

# RFC 3161 time-stamping authorities, tried in order; none = items carry server time only.
LIUZHENG_TSA_URLS = envlist("LIUZHENG_TSA_URLS")
# PEM file of the TSA's CA chain: tokens are validated against it and it goes into bundles.
LIUZHENG_TSA_CA_FILE = os.environ.get("LIUZHENG_TSA_CA_FILE", "")
LIUZHENG_TSA_TIMEOUT = envint("LIUZHENG_TSA_TIMEOUT", 15)
LIUZHENG_TSA_MAX_SKEW = envint("LIUZHENG_TSA_MAX_SKEW_SECONDS", 600)
# With LIUZHENG_TSA_URLS unset, the public services docs/integrity.md names are used, in
# order, their tokens validated against the system trust store; LIUZHENG_TSA_DEFAULTS=0 turns
# that off (server time only). Each request goes round the list LIUZHENG_TSA_ATTEMPTS times.
LIUZHENG_TSA_DEFAULTS = envbool("LIUZHENG_TSA_DEFAULTS", True)
LIUZHENG_TSA_DEFAULT_URLS = ["http://timestamp.digicert.com", "http://timestamp.sectigo.com", "https://freetsa.org/tsr"]
LIUZHENG_TSA_SYSTEM_CA_FILE = os.environ.get("LIUZHENG_TSA_SYSTEM_CA_FILE", "/etc/ssl/certs/ca-certificates.crt")
LIUZHENG_TSA_ATTEMPTS = envint("LIUZHENG_TSA_ATTEMPTS", 2)

# The site that issues bundles: README.txt names it, so a reader can compare the signing key
# with <site>/.well-known/liuzheng-signing-key.pem.
LIUZHENG_SITE_URL = os.environ.get("LIUZHENG_SITE_URL", "http://127.0.0.1:8000")
# catalog.pdf's PAdES signature: a CA-issued certificate and its key (PEM) when the deployment
# has one; otherwise a self-issued certificate is made on first run (docs/bundle-format.md).
LIUZHENG_PDF_SIGNING_CERT = os.environ.get("LIUZHENG_PDF_SIGNING_CERT", "")
LIUZHENG_PDF_SIGNING_KEY = os.environ.get("LIUZHENG_PDF_SIGNING_KEY", "")
LIUZHENG_PDF_SIGNING_CHAIN = os.environ.get("LIUZHENG_PDF_SIGNING_CHAIN", "")

# Background work (timestamps, later exports): Django's tasks API, database-backed,
# so many workers can share one PostgreSQL later. `manage.py db_worker` runs it.
TASKS = {"default": {"BACKEND": os.environ.get("LIUZHENG_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

# A running task holds a lease it renews every LIUZHENG_TASK_HEARTBEAT_SECONDS; a lease not
# renewed for LIUZHENG_TASK_LEASE_SECONDS means its worker died (kill -9, OOM, power cut):
# any worker then fails the task cleanly (evidence/worker.py).
LIUZHENG_TASK_HEARTBEAT_SECONDS = envint("LIUZHENG_TASK_HEARTBEAT_SECONDS", 10)
LIUZHENG_TASK_LEASE_SECONDS = envint("LIUZHENG_TASK_LEASE_SECONDS", 120)
# Screenshots are read by OCR in the background worker (RapidOCR, offline; docs/import.md).
# LIUZHENG_OCR=0 turns it off (a small machine that cannot spare the worker ~0.5 GB and seconds per image).
LIUZHENG_OCR = os.environ.get("LIUZHENG_OCR", "1") not in ("0", "false", "no", "")

# Rate limits (witness tokens, TOTP tries, the verify page, password-reset mail) count in
# this cache, so every worker process and every machine shares one count that survives a
# restart: the database cache by default (its table is made by `migrate`), Redis when
# LIUZHENG_REDIS_URL is set (needs the `redis` package: pip install 'liuzheng[redis]').
LIUZHENG_REDIS_URL = os.environ.get("LIUZHENG_REDIS_URL", "")
if LIUZHENG_REDIS_URL:
    try:
        import redis  # noqa: F401
    except ImportError as exc:
        raise ImproperlyConfigured("LIUZHENG_REDIS_URL is set but the redis package is not installed: "
                                   "pip install 'redis>=5'.") from exc
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": LIUZHENG_REDIS_URL, "KEY_PREFIX": "liuzheng"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "liuzheng_cache", "OPTIONS": {"MAX_ENTRIES": 100_000}}}
LIUZHENG_PASSWORD_RESETS_PER_HOUR = envint("LIUZHENG_PASSWORD_RESETS_PER_HOUR", 5)

if PRODUCTION and not (LIUZHENG_MASTER_KEY or os.environ.get("LIUZHENG_MASTER_KEY_FILE")):
    raise ImproperlyConfigured(
        "LIUZHENG_PRODUCTION is set but no master key was given: set LIUZHENG_MASTER_KEY_FILE."
    )


def _secret_key():
    if os.environ.get("LIUZHENG_SECRET_KEY"):
        return os.environ["LIUZHENG_SECRET_KEY"]
    path = Path(os.environ.get("LIUZHENG_SECRET_KEY_FILE", LIUZHENG_DATA_DIR / "keys" / "secret-key"))
    if path.exists():
        return path.read_text().strip()
    if PRODUCTION:
        raise ImproperlyConfigured("Set LIUZHENG_SECRET_KEY or LIUZHENG_SECRET_KEY_FILE.")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("LIUZHENG_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("LIUZHENG_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # Two-factor authentication (TOTP, recovery codes): required for lawyers.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "evidence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # CSP, Permissions-Policy, Cache-Control: no-store for signed-in pages.
    "evidence.middleware.SecurityHeadersMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "evidence.middleware.IdleTimeoutMiddleware",
    "evidence.middleware.StaffTwoFactorMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "evidence.middleware.KeysScopeMiddleware",
    "evidence.middleware.DamagedEvidenceMiddleware",
    "evidence.middleware.DatabaseBusyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("LIUZHENG_DATABASE_URL", "")
if DATABASE_URL.startswith("postgres"):
    from urllib.parse import unquote, urlparse

    _u = urlparse(DATABASE_URL)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _u.path.lstrip("/"),
            "USER": unquote(_u.username or ""),
            "PASSWORD": unquote(_u.password or ""),
            "HOST": _u.hostname or "",
            "PORT": _u.port or "",
            "ATOMIC_REQUESTS": False,
            # Keep each server thread's connection (checked before reuse) instead of opening
            # one per request: a PostgreSQL connection costs a backend fork and a SCRAM
            # handshake (bench/capacity.py). Size max_connections for web threads + workers.
            "CONN_MAX_AGE": envint("LIUZHENG_DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": LIUZHENG_DATA_DIR / "liuzheng.sqlite3",
            "OPTIONS": {
                # Take the write lock at BEGIN so two appends to one custody chain
                # serialize instead of failing half-way ("database is locked").
                "transaction_mode": "IMMEDIATE",
                # How long a write waits for another's lock before the user is told the
                # server is busy (evidence.middleware.DatabaseBusyMiddleware, a 503).
                "timeout": envint("LIUZHENG_SQLITE_TIMEOUT_SECONDS", 20),
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Tests use a real file, as deployments do: in-memory shared-cache SQLite
            # locks differently and would hide (or invent) concurrency behaviour.
            "TEST": {"NAME": os.environ.get("LIUZHENG_TEST_DB", str(Path(tempfile.gettempdir()) / f"liuzheng-test-{os.getpid()}.sqlite3"))},
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "case_list"
LOGOUT_REDIRECT_URL = "login"

# Login rate limiting (django-axes): lock a username+IP pair after N failures.
AXES_FAILURE_LIMIT = envint("LIUZHENG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LIUZHENG_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "留证 Liuzheng"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage; each user sees their own zone
LIUZHENG_DEFAULT_TIME_ZONE = os.environ.get("LIUZHENG_DEFAULT_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("LIUZHENG_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic (`make run`) writes each file under a name with its hash, plus .gz and
    # .br beside it; whitenoise serves those compressed and cached for a year, immutable.
    "staticfiles": {"BACKEND": "config.staticfiles.StaticStorage"},
}
# Serve straight from static/ when collectstatic has not run (tests, first start).
WHITENOISE_USE_FINDERS = True
# Never used for evidence (files are served only by access-checked views); set
# to a path nobody serves so a mistake cannot expose anything.
MEDIA_ROOT = LIUZHENG_DATA_DIR / "unused-media"

# Our handler comes first and takes every file: Django never writes the
# plaintext of an upload to its temporary directory or keeps it in memory.
FILE_UPLOAD_HANDLERS = ["evidence.store.uploads.EncryptingUploadHandler", "evidence.store.uploads.BundleVerifyUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = os.environ.get("LIUZHENG_TMP_DIR") or None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get(
    "LIUZHENG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("LIUZHENG_FROM_EMAIL", "liuzheng@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("LIUZHENG_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = envint("LIUZHENG_SESSION_DAYS", 14) * 86400
# Signed out after this long without a request (evidence.middleware.IdleTimeoutMiddleware).
LIUZHENG_SESSION_IDLE_MINUTES = envint("LIUZHENG_SESSION_IDLE_MINUTES", 30)
# A lawyer who passed the second factor longer ago than this enters a fresh code before
# exporting or downloading a client's bundle (evidence.access); 0: never asked again.
LIUZHENG_EXPORT_REVERIFY_MINUTES = envint("LIUZHENG_EXPORT_REVERIFY_MINUTES", 15)

# HTTPS only in production: redirect plain HTTP, and HSTS so the browser never tries it again.
SECURE_SSL_REDIRECT = envbool("LIUZHENG_SSL_REDIRECT", PRODUCTION)
# A load balancer may probe /healthz over plain HTTP; it answers no secrets and no case data.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("LIUZHENG_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("LIUZHENG_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = envbool("LIUZHENG_HSTS_PRELOAD", PRODUCTION)
# Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto: trust
# it, or the SSL redirect would loop. Only set this when the proxy overwrites that header.
if envbool("LIUZHENG_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# LIUZHENG_LOG_FORMAT=json: one JSON object a line (config/logs.py), Django's own loggers too.
LIUZHENG_LOG_FORMAT = os.environ.get("LIUZHENG_LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler",
                             **({"formatter": "json"} if LIUZHENG_LOG_FORMAT == "json" else {})}},
    "loggers": {
        "liuzheng": {"handlers": ["console"], "level": os.environ.get("LIUZHENG_LOG_LEVEL", "INFO")},
        **({"django": {"handlers": ["console"], "level": "INFO", "propagate": False}}
           if LIUZHENG_LOG_FORMAT == "json" else {}),
    },
}
# /healthz says "degraded" when a due timestamp has waited longer than this.
LIUZHENG_HEALTH_TSA_LAG_SECONDS = envint("LIUZHENG_HEALTH_TSA_LAG_SECONDS", 3600)
