"""Settings for the image workshop: one file, every value from the environment (see .env.example).

With no configuration it runs for development: DEBUG on, the embedded SecantusDB under var/,
Celery on the database when REDIS_URL is not set. DJANGO_PRODUCTION=true turns the safety checks on.
"""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from imagesite.embedded_db import embedded_db_recorded_port
from imagesite.env import env_bool, env_file_load, env_int, env_list, env_str, with_database

BASE_DIR = Path(__file__).resolve().parent.parent
# A .env file at the root (or ENV_FILE; empty: none) fills in variables that are not set.
env_file_load(Path(env_str("ENV_FILE", str(BASE_DIR / ".env"))))
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# Safety: production refuses DEBUG and an unsafe or missing secret key
PRODUCTION = env_bool("DJANGO_PRODUCTION", False)
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
_DEV_SECRET = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - refused in production
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_PRODUCTION is on")
    if len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET or len(set(SECRET_KEY)) < 10:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in "
            "production (python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the site's host names")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Applications
INSTALLED_APPS = [
    "imagesite.apps.MongoAdminConfig",
    "imagesite.apps.MongoAuthConfig",
    "imagesite.apps.MongoContentTypesConfig",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_mongodb_backend",
    "django_htmx",
    "template_partials",
    "ninja",  # the API's interactive docs from its own static files
    "allauth",
    "imagesite.apps.MongoAccountConfig",
    "accounts",
    "jobs",
    "gallery",
    "processing",
    "analytics",
    "scraping",
    "library",
]
MIGRATION_MODULES = {
    "admin": "imagesite.mongo_migrations.admin",
    "auth": "imagesite.mongo_migrations.auth",
    "contenttypes": "imagesite.mongo_migrations.contenttypes",
    "account": "imagesite.mongo_migrations.account",
}
DEFAULT_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"
AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "imagesite.security.SecurityHeadersMiddleware",  # CSP with a nonce, Permissions-Policy
    "imagesite.middleware.UnavailableMiddleware",  # database or broker away -> 503
    "imagesite.security.RequestSizeLimitMiddleware",  # over the limit: 413 before any read
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
ROOT_URLCONF = "imagesite.urls"
WSGI_APPLICATION = "imagesite.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "imagesite.security.csp_nonce",
            ],
        },
    },
]

# Database: MONGODB_URI, or the embedded SecantusDB that bin/dev starts (imagesite/embedded_db.py).
# Short timeouts: with the database away a page answers 503 in under 2 s (imagesite/middleware.py)
# instead of hanging; journal=True: a write is acknowledged once it is on disk (with w=1 on a
# standalone server, the replica set's default "majority" elsewhere).
# EMBEDDED_DB_HOST: the address it listens on; a private network's address lets worker hosts
# reach it (they set MONGODB_URI to it), 127.0.0.1 keeps it to this machine.
EMBEDDED_DB_HOST = env_str("EMBEDDED_DB_HOST", "127.0.0.1")
# The port comes from EMBEDDED_DB_PORT, else from the record of a running launcher (so that
# manage.py in another shell finds the database bin/dev started), else 27117.
EMBEDDED_DB_RECORD = VAR_DIR / "embedded-db.json"
EMBEDDED_DB_PORT = env_int(
    "EMBEDDED_DB_PORT", embedded_db_recorded_port(path=EMBEDDED_DB_RECORD) or 27117
)
_EMBEDDED_DB_REACH = "127.0.0.1" if EMBEDDED_DB_HOST in ("0.0.0.0", "::") else EMBEDDED_DB_HOST  # noqa: S104
MONGODB_URI = (
    env_str("MONGODB_URI")
    or f"mongodb://{_EMBEDDED_DB_REACH}:{EMBEDDED_DB_PORT}/?directConnection=true"
)
MONGODB_NAME = env_str("MONGODB_NAME", "imagesite")
MONGODB_TIMEOUT_MS = env_int("MONGODB_TIMEOUT_MS", 1000)
MONGODB_SOCKET_TIMEOUT_MS = env_int("MONGODB_SOCKET_TIMEOUT_MS", 30000)
MONGODB_CLIENT_OPTIONS: dict[str, object] = {
    "serverSelectionTimeoutMS": MONGODB_TIMEOUT_MS,
    "connectTimeoutMS": MONGODB_TIMEOUT_MS,
    "socketTimeoutMS": MONGODB_SOCKET_TIMEOUT_MS,
    "journal": env_bool("MONGODB_JOURNAL", True),
}
DATABASES = {
    "default": {
        "ENGINE": "imagesite.db",
        "HOST": MONGODB_URI,
        "NAME": MONGODB_NAME,
        "OPTIONS": MONGODB_CLIENT_OPTIONS,
    },
}

# Redis (optional): broker, results and cache when set (CACHE_URL puts the cache elsewhere).
# Without Redis the cache is a collection of the database (imagesite/cache.py): the login limits
# must be shared by every process, which per-process memory is not.
REDIS_URL = env_str("REDIS_URL")
CACHE_URL = env_str("CACHE_URL", REDIS_URL)
CACHES: dict[str, dict[str, object]]
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX"),
            # Redis away: fail in half a second (a 503 page), not after the OS's TCP timeout
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "imagesite.cache.MongoDBCache", "LOCATION": "django_cache"}}

# Celery: queues default, ml and scrape; late acknowledgement so a killed worker's task runs again
# On the database, the broker's client gets the same short timeouts and journaled writes.
_MONGO_BROKER_OPTIONS = {
    "serverSelectionTimeoutMS": str(MONGODB_TIMEOUT_MS),
    "connectTimeoutMS": str(MONGODB_TIMEOUT_MS),
    "journal": "true" if MONGODB_CLIENT_OPTIONS["journal"] else "false",
}
CELERY_BROKER_URL = (
    env_str("CELERY_BROKER_URL")
    or REDIS_URL
    or with_database(MONGODB_URI, "celery-broker", defaults=_MONGO_BROKER_OPTIONS)
)
CELERY_RESULT_BACKEND = (
    env_str("CELERY_RESULT_BACKEND")
    or REDIS_URL
    or with_database(MONGODB_URI, "celery-results", defaults=_MONGO_BROKER_OPTIONS)
)
# Celery's MongoDB result backend reads the URI's options through pymongo's parser, which turns
# timeouts into seconds, then passes them to MongoClient as milliseconds (1000 ms became 1 ms and
# storing a result failed at random): the same options again, as numbers, override them.
CELERY_MONGODB_BACKEND_SETTINGS = {
    "options": {
        "serverSelectionTimeoutMS": MONGODB_TIMEOUT_MS,
        "connectTimeoutMS": MONGODB_TIMEOUT_MS,
        "journal": MONGODB_CLIENT_OPTIONS["journal"],
    }
}
# Publishing while the broker is away gives up after about a second (the page says so).
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# A prefix for every Redis key of the broker and results, so that several installations (or
# test sessions) can share one Redis database without taking each other's tasks.
_CELERY_KEY_PREFIX = env_str("CELERY_KEY_PREFIX")
_REDIS_SOCKET = {"socket_connect_timeout": 0.5, "socket_timeout": 5.0}
# The MongoDB transport polls: a worker with a free process asks again this often while its
# queues are empty (kombu's default, 1 s, paces a worker at about one task a second).
CELERY_BROKER_POLL_S = float(env_str("CELERY_BROKER_POLL_S", "0.1"))
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {**_REDIS_SOCKET} if REDIS_URL else {"polling_interval": CELERY_BROKER_POLL_S}
)
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS: dict[str, object] = {}
if REDIS_URL:
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 0.5
    CELERY_REDIS_SOCKET_TIMEOUT = 5.0
if _CELERY_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = _CELERY_KEY_PREFIX
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS["global_keyprefix"] = _CELERY_KEY_PREFIX
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Each process of a worker holds one task ahead, so that it never waits for the broker between
# two tasks; a worker killed mid-batch loses those messages, and the jobs sweep sends them again.
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 2)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ROUTES = {
    "processing.tasks.image_recognise_task": {"queue": "ml"},
    "processing.tasks.background_remove_task": {"queue": "ml"},
    "processing.tasks.stylise_task": {"queue": "ml"},
    "processing.tasks.faces_hide_task": {"queue": "ml"},
    "scraping.tasks.scrape_run_task": {"queue": "scrape"},
    "scraping.tasks.scrape_item_import_task": {"queue": "scrape"},
    # imports (web and server folders) on their own queue: a folder's scan, however many images it
    # queued, never waits behind their ingests and follow-ups on default
    "library.tasks.library_scan_task": {"queue": "scrape"},
}
# Proof that the worker takes work, not merely answers ping: a tiny task on each queue records
# a heartbeat (imagesite/heartbeat.py); /health/ and the launcher's supervisor read its age.
WORKER_QUEUES = ["default", "ml", "scrape"]
# The workers bin/dev starts (imagesite/launcher.py): one for default and scrape with a process
# per core, one for ml (networks hold hundreds of MB per process) with one unless configured.
WORKER_POOLS = {"worker": ["default", "scrape"], "ml": ["ml"]}
WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY", os.cpu_count() or 1)
ML_WORKER_CONCURRENCY = env_int("ML_WORKER_CONCURRENCY", 1)
HEARTBEAT_S = env_int("HEARTBEAT_S", 10)
HEARTBEAT_STALE_S = env_int("HEARTBEAT_STALE_S", 60)
# Periodic jobs (each also a management command); periods in seconds, overridable.
# Jobs (jobs/services.py): a worker holds a started job for JOB_LEASE_S, renewed while it runs;
# the jobs sweep sends again a job whose lease ran out, or still queued JOB_RESEND_AFTER_S after
# it was sent (a lost message).
JOB_LEASE_S = env_int("JOB_LEASE_S", 45)
JOB_RESEND_AFTER_S = env_int("JOB_RESEND_AFTER_S", 60)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    **{
        f"worker-heartbeat-{queue}": {
            "task": "imagesite.heartbeat",
            "schedule": HEARTBEAT_S,
            "args": (queue,),
            "options": {"queue": queue, "expires": HEARTBEAT_S * 3},
        }
        for queue in WORKER_QUEUES
    },
    "jobs-sweep": {
        "task": "jobs.tasks.jobs_sweep_task",
        "schedule": env_int("SCHEDULE_JOBS_SWEEP_S", 30),
    },
    "ingest-sweep": {
        "task": "gallery.tasks.ingest_sweep_task",
        "schedule": env_int("SCHEDULE_INGEST_SWEEP_S", 300),
    },
    "trash-expire": {
        "task": "gallery.tasks.trash_expire_task",
        "schedule": env_int("SCHEDULE_TRASH_EXPIRE_S", 3600),
    },
    "orphans-sweep": {
        "task": "gallery.tasks.orphans_sweep_task",
        "schedule": env_int("SCHEDULE_ORPHANS_SWEEP_S", 24 * 3600),
    },
    "versions-sweep": {
        "task": "processing.tasks.versions_sweep_task",
        "schedule": env_int("SCHEDULE_VERSIONS_SWEEP_S", 300),
    },
    "temporary-files-sweep": {
        "task": "gallery.tasks.temporary_files_sweep_task",
        "schedule": env_int("SCHEDULE_TEMP_SWEEP_S", 600),
    },
    "recognition-sweep": {
        "task": "processing.tasks.recognition_sweep_task",
        "schedule": env_int("SCHEDULE_RECOGNITION_SWEEP_S", 600),
    },
    "analytics-snapshots": {
        "task": "analytics.tasks.snapshots_task",
        "schedule": env_int("SCHEDULE_ANALYTICS_S", 3600),
    },
    "library-scans": {
        "task": "library.tasks.library_scans_due_task",
        "schedule": env_int("SCHEDULE_LIBRARY_SCAN_S", 3600),
    },
    "scrape-due-sources": {
        "task": "scraping.tasks.scrape_due_task",
        "schedule": env_int("SCHEDULE_SCRAPE_DUE_S", 300),
    },
}

# Accounts (django-allauth): email verification, rate limits, project templates
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_EMAIL_CONFIRMATION_HMAC = False  # HMAC keys sign ObjectId pks as JSON and fail
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "accounts.forms.ProjectSignupForm",
    "add_email": "accounts.forms.ProjectAddEmailForm",
    "reset_password": "accounts.forms.ProjectResetPasswordForm",
}
ACCOUNT_PREVENT_ENUMERATION = True  # sign-up answers alike whether the address has an account
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": "",  # replaced by accounts/ratelimit.py, which the admin's login uses too
    "signup": "20/h/ip",
    "reset_password": "5/h/ip,3/h/key",
}
# Failed logins allowed per account and per client address within the window (seconds)
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
LOGIN_FAILURE_WINDOW_S = env_int("LOGIN_FAILURE_WINDOW_S", 300)
# Behind a reverse proxy: how many proxies add X-Forwarded-For (the client address of the limits)
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Who may sign up: "open", "invite" (staff send invitations from the admin) or "closed"; with
# no account yet sign-up is open (but when closed) and the first account is the administrator.
REGISTRATION = env_str("REGISTRATION", "invite").strip().lower()
if REGISTRATION not in ("open", "invite", "closed"):
    raise ImproperlyConfigured(f"REGISTRATION must be open, invite or closed, not {REGISTRATION!r}")
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Image workshop] "
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "gallery:upload"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Email: the console in development, SMTP when EMAIL_HOST is set
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Image workshop <noreply@localhost>")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# Language and time
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files (served by whitenoise-free runserver in dev; collectstatic for production) and media
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: gallery views check ownership first
STORAGES = {
    # Content-addressed names: writing the same name again writes the same bytes.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"allow_overwrite": True},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# How the web process hands a checked file to the proxy: "" (Django streams it), "nginx"
# (X-Accel-Redirect to MEDIA_ACCEL_PREFIX) or "sendfile" (X-Sendfile with the absolute path).
MEDIA_ACCEL = env_str("MEDIA_ACCEL")
MEDIA_ACCEL_PREFIX = env_str("MEDIA_ACCEL_PREFIX", "/protected-media/")
DATA_UPLOAD_MAX_NUMBER_FILES = 200

# Image limits: refused before decoding
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 100_000_000)
# One request's body: a file and its form fields (the drop zone sends one file per request)
UPLOAD_MAX_REQUEST_BYTES = env_int("UPLOAD_MAX_REQUEST_BYTES", UPLOAD_MAX_BYTES + 2**20)
FILE_UPLOAD_HANDLERS = [
    "imagesite.security.UploadLimitHandler",  # stops a file past UPLOAD_MAX_BYTES as it streams
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = VAR_DIR / "tmp"  # swept by the orphans sweep; must exist for uploads
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Chunked uploads (the drop zone): each chunk at most UPLOAD_CHUNK_BYTES; the parts received so
# far are kept in UPLOAD_PARTIAL_DIR (shared by every web process) until the last one arrives, and
# an upload left unfinished for UPLOAD_PARTIAL_MAX_AGE_S is removed by the orphans sweep.
UPLOAD_CHUNK_BYTES = env_int("UPLOAD_CHUNK_BYTES", 4 * 2**20)
UPLOAD_PARTIAL_DIR = Path(env_str("UPLOAD_PARTIAL_DIR", str(VAR_DIR / "partial")))
UPLOAD_PARTIAL_MAX_AGE_S = env_int("UPLOAD_PARTIAL_MAX_AGE_S", 24 * 3600)
RENDITION_SIZES = {"thumb": 400, "preview": 1600}
GALLERY_PAGE_SIZE = 48
# Images in the trash are deleted for good, with their versions and files, after this many days
TRASH_DAYS = env_int("TRASH_DAYS", 30)

# API: requests per minute and personal access token (counted in the cache)
API_RATE_PER_MINUTE = env_int("API_RATE_PER_MINUTE", 600)

# Deep learning weights (installed with `manage.py models install`) and test data
MODEL_DIR = Path(env_str("MODEL_DIR", str(VAR_DIR / "models")))
# bin/dev installs missing weights at start: copied from this folder when set, else downloaded
# from each file's manifest URL (or MODEL_MIRROR_URL/<file>, an http(s) mirror of the files)
MODEL_SOURCE_DIR = (
    (BASE_DIR / env_str("MODEL_SOURCE_DIR")).resolve() if env_str("MODEL_SOURCE_DIR") else None
)
MODEL_MIRROR_URL = env_str("MODEL_MIRROR_URL").strip()
SHARED_DIR = Path(env_str("SHARED_DIR", str(BASE_DIR.parent / "shared")))
DETECTION_THRESHOLD = float(env_str("DETECTION_THRESHOLD", "0.35"))

# Scraping: hosts allowed despite the SSRF guard (tests, intranets); empty by default
SCRAPE_ALLOWED_HOSTS = env_list("SCRAPE_ALLOWED_HOSTS")
SCRAPE_RUN_TIMEOUT_S = env_int("SCRAPE_RUN_TIMEOUT_S", 900)
SCRAPE_DELAY_S = float(env_str("SCRAPE_DELAY_S", "0.25"))  # between requests to one site
SCRAPE_MAX_IMAGES = env_int("SCRAPE_MAX_IMAGES", 300)  # images one run imports, at most

# Server folders (library): the roots under which staff may attach folders (empty: none), how
# long a file may be missing from its folder before its image leaves the gallery, and the files
# a scan imports per checkpoint (written together, one database write of each kind per batch;
# each stays open until then), the next batch once fewer than a batch of ingests are queued.
LIBRARY_ROOTS = env_list("LIBRARY_ROOTS")
LIBRARY_MISSING_GRACE_S = env_int("LIBRARY_MISSING_GRACE_S", 7 * 24 * 3600)
LIBRARY_SCAN_BATCH = env_int("LIBRARY_SCAN_BATCH", 25)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
