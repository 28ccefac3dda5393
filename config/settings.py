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

# RFC 3161 time-stamping authorities, tried in order; none = items carry server time only.
LIUZHENG_TSA_URLS = envlist("LIUZHENG_TSA_URLS")
# PEM file of the TSA's CA chain: tokens are validated against it and it goes into bundles.
LIUZHENG_TSA_CA_FILE = os.environ.get("LIUZHENG_TSA_CA_FILE", "")
LIUZHENG_TSA_TIMEOUT = envint("LIUZHENG_TSA_TIMEOUT", 15)
LIUZHENG_TSA_MAX_SKEW = envint("LIUZHENG_TSA_MAX_SKEW_SECONDS", 600)

# Background work (timestamps, later exports): Django's tasks API, database-backed,
# so many workers can share one PostgreSQL later. `manage.py db_worker` runs it.
TASKS = {"default": {"BACKEND": os.environ.get("LIUZHENG_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

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
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "evidence.middleware.KeysScopeMiddleware",
    "evidence.middleware.DamagedEvidenceMiddleware",
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
                "timeout": 20,
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
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "liuzheng": {"handlers": ["console"], "level": os.environ.get("LIUZHENG_LOG_LEVEL", "INFO")},
    },
}
