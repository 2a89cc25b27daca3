"""antq settings: one module, driven by environment variables read through typed helpers.

Defaults are the embedded single-machine setup (SQLite under var/, DEBUG off, a secret key
generated once and kept under var/). Production (ANTQ_ENV=production) must say everything
explicitly, and a missing or malformed variable stops the process at start-up.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ANTQ_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """A secret from NAME or from the file named by NAME_FILE (Docker/systemd credentials)."""
    if os.environ.get(name):
        return os.environ[name]
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return None


def embedded_secret_key(path: Path) -> str:
    """Generate the embedded install's key once and keep it, so sessions survive restarts."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


ENVIRONMENT = env_str("ANTQ_ENV", "embedded")
if ENVIRONMENT not in {"embedded", "production"}:
    raise ImproperlyConfigured("ANTQ_ENV must be 'embedded' or 'production'")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("ANTQ_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("ANTQ_DEBUG cannot be on in production")

_secret = env_secret("ANTQ_SECRET_KEY")
if _secret is None:
    if PRODUCTION:
        raise ImproperlyConfigured("ANTQ_SECRET_KEY (or ANTQ_SECRET_KEY_FILE) is required in production")
    _secret = embedded_secret_key(VAR_DIR / "secret_key")
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("ANTQ_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ANTQ_ALLOWED_HOSTS is required in production")
CSRF_TRUSTED_ORIGINS = env_list("ANTQ_CSRF_TRUSTED_ORIGINS", [])

_database_url = os.environ.get("DATABASE_URL") or ""
if not _database_url:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL is required in production")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database_url = f"sqlite:///{VAR_DIR / 'antq.sqlite3'}"
try:
    _db = dict(dj_database_url.parse(_database_url, conn_max_age=env_int("ANTQ_DB_CONN_MAX_AGE", 0)))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be parsed: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while an import writes, and survives a killed process;
    # IMMEDIATE transactions avoid "database is locked" upgrades under concurrent writes.
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to SQLite or PostgreSQL")
# A kept connection is checked before reuse, so a restarted PostgreSQL costs one failed request at most.
_db["CONN_HEALTH_CHECKS"] = _db.get("CONN_MAX_AGE", 0) != 0
_db["TEST"] = {"NAME": os.environ.get("ANTQ_TEST_DB_NAME") or None}
DATABASES = {"default": _db}
_replica_url = os.environ.get("ANTQ_DATABASE_REPLICA_URL") or ""
if _replica_url:
    # A streaming replica of the primary for dashboards, indicators and record lists (antq.core.replica).
    _replica = dict(dj_database_url.parse(_replica_url, conn_max_age=env_int("ANTQ_DB_CONN_MAX_AGE", 0)))
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("ANTQ_DATABASE_REPLICA_URL must point to PostgreSQL")
    _replica["CONN_HEALTH_CHECKS"] = _db["CONN_HEALTH_CHECKS"]
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["antq.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "antq.core",
    "antq.units",
    "antq.accounts",
    "antq.records",
    "antq.indicators",
    "antq.movement",
    "antq.awards",
    "antq.reports",
    "antq.tipoffs",
    "antq.web",
    "antq.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "antq.core.middleware.RequestIdMiddleware",
    "antq.core.replica.ReplicaReadsMiddleware",
    "antq.core.middleware.RefuseNulMiddleware",
    "antq.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "antq.core.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "antq.urls"
WSGI_APPLICATION = "antq.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "antq" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "antq.web.context.navigation",
            ],
        },
    },
]

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
    # OWASP ASVS 2.1.1: at least 12 characters.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("ANTQ_LOGIN_FAILURE_LIMIT", 5)
# Citizens' reports: per hashed source (an office behind one address may need more).
TIP_SUBMITS_PER_HOUR = env_int("ANTQ_TIP_SUBMITS_PER_HOUR", 10)
TIP_LOOKUPS_PER_15_MIN = env_int("ANTQ_TIP_LOOKUPS_PER_15_MIN", 20)
AXES_COOLOFF_TIME = env_int("ANTQ_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "antq" / "locale"]
FORMAT_MODULE_PATH = ["antq.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "antq" / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "antq.core.staticfiles.AppDirectoriesFinder",  # Django's, without an unused bundle that names outside hosts
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Sessions live in the database (shared by every app process); a working day at most, and
# they end with the browser, so a shared office computer does not stay logged in overnight.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("ANTQ_SESSION_HOURS", 10) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = env_bool("ANTQ_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("ANTQ_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("ANTQ_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = False
# An intranet host name cannot be on the browsers' public HSTS preload list, so the check asking
# for preload does not apply (docs/security.md).
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind the TLS reverse proxy: trust its X-Forwarded-Proto and X-Forwarded-For, from its
# own addresses only (antq.core.network.client_address, used by login and report throttling).
BEHIND_PROXY = env_bool("ANTQ_BEHIND_PROXY", False)
TRUSTED_PROXIES = env_list("ANTQ_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_CLIENT_IP_CALLABLE = "antq.core.network.client_address"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ANTQ_LOG_LEVEL", "WARNING")},
}

# Number of results the unit search returns at most (pages beyond are not useful in a picker).
UNIT_SEARCH_LIMIT = 50
