"""One settings module for every environment; everything that differs comes from env vars.

Defaults are the embedded ones `make run` needs (SQLite, Celery on the filesystem transport);
`DATABASE_URL` and `CELERY_BROKER_URL` switch to PostgreSQL and Redis.
"""
import ipaddress
import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
import orjson
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .local_secret import local_secret_key
from .logs import configure_structlog, level_name, logging_config
from .object_storage import s3_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("ARAGORA_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# SECRET_KEY, secure cookies, HSTS, CSP and SITE_URL: see "Security hardening" below.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "axes",
    "accounts",
    "status",
    "tickets",
    "onboarding",
    "qbr",
    "notifications",
    "email_intake",
    "slack_connect",
    "maintenance",
    "video_calls",
    "feedback",
    "demo",
    "django_structlog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The request log line and its request_id (docs/logging.md): outside everything that may
    # answer early (413s, lockouts), inside WhiteNoise (static files are not logged).
    "django_structlog.middlewares.RequestMiddleware",
    "aragora_support.request_guard.RequestGuardMiddleware",  # before anything reads the body
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.ViewerTimezoneMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "aragora_support.request_logging.RequestContextMiddleware",  # user, organisation, ticket id
    # Last: it turns a login refused by the lockout into the lockout page or JSON (accounts/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aragora_support.urls"
WSGI_APPLICATION = "aragora_support.wsgi.application"

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
                "aragora_support.navigation.portal_nav",
            ],
        },
    },
]

# psycopg's count of runs before it prepares a statement by itself: never, in effect; a statement
# is prepared only inside common.db.prepared().
PREPARE_ON_REQUEST = 2**31 - 1
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# A read replica (docs/deploy.md, "Read replica"): reports and metrics read from it, nothing else
# does (common/replica.py). In tests it is a mirror of the test database, not a database of its own.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["common.replica.ReplicaRouter"]
for _db in DATABASES.values():
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
    if "postgresql" in _db["ENGINE"] and env.bool("DB_PREPARED_STATEMENTS", default=True):
        # Server-side parameters, and prepared statements only where a statement asks for one
        # (common.db.prepared: the ticket list's page, whose plan does not depend on its values,
        # skips PostgreSQL's planning, 1.1 ms of it). Not every statement a connection repeats: after
        # five runs PostgreSQL may switch a prepared statement to a generic plan, blind to the
        # values, and an admin filter or a search then took 300-700 ms instead of 45 (issue 16).
        # Off (DB_PREPARED_STATEMENTS=0) behind a transaction-pooling PgBouncer < 1.21.
        _db.setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": PREPARE_ON_REQUEST})
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded database is shared by the web server, worker and beat: wait for locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20})
    # A file, not memory, so a Celery worker started by the tests shares the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite builds the same index without
    # the extra columns, which is right for the demo, so its warning is noise on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- accounts: django-allauth, API tokens, login lockout (issue 11 items 3 and 5, issue 12 item 6) ----
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ACCOUNT_ADAPTER = "aragora_support.account_adapter.AccountAdapter"  # wiring: allauth mail -> the outbox
ACCOUNT_FORMS = {
    "login": "accounts.forms.PortalLoginForm",
    "change_password": "accounts.forms.PortalChangePasswordForm",
    "reset_password": "accounts.forms.PortalResetPasswordForm",
    "reset_password_from_key": "accounts.forms.PortalResetPasswordKeyForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
# Customers are invited by staff (or come through SSO): no public signup (the adapter closes it).
# These describe the accounts that exist, for allauth's checks.
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are set by staff, who know their customers
ACCOUNT_UNIQUE_EMAIL = True  # allauth needs it for email login; enforced in its forms, not the table
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # no mail to addresses that have no account
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = True  # as before allauth: sessions last SESSION_COOKIE_AGE, no checkbox
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # this session stays; every other session ends
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Aragora Support: "
# Failed logins are counted by django-axes (below); allauth's own counter would answer first
# with a different message and no Retry-After.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
# A reset link works once, and for this long (the outbox retries for about an hour).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=4) * 3600

# API tokens (accounts.ApiToken): each expires this many days after it is made.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)
# Unexpired tokens a user may hold at once; POST /api/v1/auth/token/ refuses more.
API_TOKEN_MAX_PER_USER = env.int("API_TOKEN_MAX_PER_USER", default=20)

# Login lockout (django-axes): portal, admin and API token logins, keyed on username + address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A locked client waits the cool-off from its last counted failure; tries while locked do not
# extend it (so Retry-After is the truth).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "accounts.lockout.username_key"
AXES_CLIENT_IP_CALLABLE = "common.client_ip.client_ip"  # the throttles' rule: NUM_PROXIES below
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged
# --- end accounts ----------------------------------------------------------------------------------

# --- single sign-on per organisation (issue 17; docs/security.md, "Single sign-on") -------------------
# allauth's social accounts with its SAML (python3-saml) and OpenID Connect providers; one SocialApp
# per organisation, kept by accounts.sso.services from the admin's "Single sign-on" page.
INSTALLED_APPS[INSTALLED_APPS.index("allauth.account") + 1:1] = [
    "allauth.socialaccount",
    "allauth.socialaccount.providers.saml",
    "allauth.socialaccount.providers.openid_connect",
]
SOCIALACCOUNT_ADAPTER = "accounts.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    # allauth's provider with a replay check on assertion ids (accounts/sso/saml.py).
    "saml": {"provider_class": "accounts.sso.saml.OrgSAMLProvider"},
}
SOCIALACCOUNT_AUTO_SIGNUP = True  # just-in-time provisioning: no signup form after the IdP
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # linking by email is the adapter's, within one organisation
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False  # we sign people in; we never call the IdP's APIs for them
SOCIALACCOUNT_LOGIN_ON_GET = False  # a GET shows a button; the redirect to the IdP is a POST (CSRF)
MIDDLEWARE.insert(MIDDLEWARE.index("allauth.account.middleware.AccountMiddleware"), "accounts.sso.middleware.SamlHostMiddleware")
# --- end single sign-on ------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["aragora_support.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Attachments, raw inbound mail and rendered PDFs in a private S3 bucket when one is named, streamed
# by the views that check who may have them (aragora_support/object_storage.py, docs/deploy.md
# "Files"); local files under MEDIA_ROOT otherwise.
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = s3_storage(env)
WHITENOISE_USE_FINDERS = True
# Attachments are private: MEDIA_ROOT is never served directly, only through a permission check.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"

ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=25 * 1024 * 1024)
# Request bodies (docs/security.md, "Hostile input"): a view that takes files takes
# ATTACHMENT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE, any other at most DATA_UPLOAD_MAX_MEMORY_SIZE;
# larger is a 413 on its Content-Length, unread. Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE spool to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
UPLOAD_VIEW_NAMES = ["portal:ticket_new", "portal:ticket", "ticket-attachments"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only (the schema's types are JSON's: a form cannot say null, false or 0); the views
    # that take files or a password form name their own parsers.
    "DEFAULT_PARSER_CLASSES": ["common.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "aragora_support.pagination.PageSizePagination",
    "DEFAULT_SCHEMA_CLASS": "aragora_support.openapi.AutoSchema",  # adds the error responses
    # orjson: a page of 50 tickets encodes in 0.05 ms instead of json's 0.35 ms (docs/performance.md).
    "DEFAULT_RENDERER_CLASSES": ["common.renderers.APIRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "EXCEPTION_HANDLER": "aragora_support.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth-token": env.str("AUTH_TOKEN_RATE", default="20/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Datetimes that reach the renderer raw are written as DRF writes them: "…Z" for UTC.
    "ORJSON_RENDERER_OPTIONS": [orjson.OPT_UTC_Z, orjson.OPT_NON_STR_KEYS],
}
# --- client addresses (issue 11): forwarding headers are believed only from our own proxies ------
# How many reverse proxies we run in front of the app; each appends to X-Forwarded-For. 0 = none:
# the header is ignored and REMOTE_ADDR is the client (common/client_ip.py).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("NUM_PROXIES is a count of trusted proxies: 0 or more.")
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES  # DRF's stock throttles follow the same rule
# --- end client addresses ------------------------------------------------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "Aragora Support API",
    "DESCRIPTION": "Tickets, messages and attachments of the Aragora support portal. Text never holds "
                   "NUL (U+0000): a request carrying one, anywhere, is a 400.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components, so what a request must carry (a non-empty subject)
    # is stated apart from what a response holds.
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: the docs page works without reaching a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "SeverityEnum": "tickets.models.SeverityCode",
        "StatusEnum": "tickets.models.Status",
        "ChannelEnum": "tickets.models.Channel",
        "EnvironmentEnum": "tickets.models.Environment",
        "QueueEnum": "tickets.models.Queue",
        "ComponentStatusEnum": "status.models.ComponentStatus",
        "IncidentStatusEnum": "status.models.IncidentStatus",
        "IncidentOpenStatusEnum": "status.serializers.OPEN_INCIDENT_STATUSES",
        "MaintenanceChangeStatusEnum": "status.serializers.MAINTENANCE_CHANGES",
        "ImpactEnum": "status.models.Impact",
    },
}

# A shared cache (Redis) in production; per-process memory for the embedded defaults.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Ticket-list pages are cached by generation only where the cache is shared by every process.
_SHARED_CACHE = CACHES["default"]["BACKEND"].endswith("RedisCache")
TICKET_LIST_CACHE = env.bool("TICKET_LIST_CACHE", default=_SHARED_CACHE)
# Token → user kept in the cache (accounts/authentication.py); also only with a shared cache.
AUTH_TOKEN_CACHE = env.bool("AUTH_TOKEN_CACHE", default=_SHARED_CACHE)

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "accounts.tasks.record_heartbeat", "schedule": 60.0},
    "sla-sweep": {"task": "tickets.tasks.sla_sweep", "schedule": 60.0},
    # At a minute past each hour: the digest covers the hour that just ended, once (its keys).
    "new-tickets-digest": {"task": "tickets.tasks.new_tickets_digest", "schedule": crontab(minute=1)},
    "outbox-flush": {"task": "notifications.tasks.flush_outbox", "schedule": 30.0},
    "poll-mailboxes": {"task": "email_intake.tasks.poll_mailboxes", "schedule": 60.0},
    # Onboarding (issue 5): extend the check-in horizon and send reminders; included-service reminders.
    "onboarding-checkins": {"task": "onboarding.tasks.checkins_tick", "schedule": 3600.0},
    "onboarding-included-services": {"task": "onboarding.tasks.included_services_tick", "schedule": 3600.0},
    "maintenance-reminders": {"task": "status.tasks.maintenance_remind", "schedule": 300.0},
    # Settles last month's uptime and credits once; hourly, so a missed 1st is caught up.
    "status-month-end-credits": {"task": "status.tasks.month_end_credits", "schedule": 3600.0},
    # Feedback (issue 13): the quarter's NPS survey on its first day; last month's review on the 1st.
    # Both are idempotent (one survey per person per quarter, one review per month).
    "feedback-nps-quarterly": {"task": "feedback.tasks.nps_quarterly",
                               "schedule": crontab(minute=0, hour=16, day_of_month=1, month_of_year="1,4,7,10")},
    "feedback-monthly-review": {"task": "feedback.tasks.monthly_review",
                                "schedule": crontab(minute=30, hour=0, day_of_month=1)},
    # Reports (issue 15, docs/reports.md): last month's usage reports, once per organisation and
    # month; hourly so that a missed 1st is caught up, and lost renders are sent again. The
    # quarter just ended gets its QBR drafts.
    "qbr-usage-reports": {"task": "qbr.tasks.usage_reports_monthly", "schedule": crontab(minute=15)},
    "qbr-drafts": {"task": "qbr.tasks.qbr_drafts", "schedule": crontab(minute=20, hour=1)},
}
# A render claimed longer ago than this is taken to be lost (its worker died) and taken up again.
REPORT_RENDER_LEASE_SECONDS = env.int("REPORT_RENDER_LEASE_SECONDS", default=300)
# Status page (docs/status.md, docs/uptime.md): maintenance announced at least this long before
# it starts is not downtime; public responses are cacheable this long; subscription confirm links
# live this long; the subscribe form takes this many requests an hour from one address.
STATUS_MAINTENANCE_NOTICE_HOURS = env.int("STATUS_MAINTENANCE_NOTICE_HOURS", default=48)
STATUS_PAGE_MAX_AGE = env.int("STATUS_PAGE_MAX_AGE", default=30)
STATUS_CONFIRM_HOURS = env.int("STATUS_CONFIRM_HOURS", default=72)
STATUS_SUBSCRIBE_PER_HOUR = env.int("STATUS_SUBSCRIBE_PER_HOUR", default=10)

# Planned maintenance: customers' channels are reminded this long before a window starts.
MAINTENANCE_REMINDER_MINUTES = env.int("MAINTENANCE_REMINDER_MINUTES", default=60)
# Feedback: the team's figures are kept this long once computed (a year over a million tickets
# takes seconds to rank); 0 computes every request afresh. docs/feedback.md.
FEEDBACK_METRICS_CACHE_SECONDS = env.int("FEEDBACK_METRICS_CACHE_SECONDS", default=300)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# SLA: share of a target used at which a clock is "at risk" (and staff are warned).
SLA_AT_RISK_RATIO = env.float("SLA_AT_RISK_RATIO", default=0.75)
# Systemic problem (guide: "Multiple related issues"): this many P1/P2 tickets from this many
# organisations naming one component within the window are linked under an incident.
SLA_SYSTEMIC_MIN_TICKETS = env.int("SLA_SYSTEMIC_MIN_TICKETS", default=3)
SLA_SYSTEMIC_MIN_ORGANIZATIONS = env.int("SLA_SYSTEMIC_MIN_ORGANIZATIONS", default=2)
SLA_SYSTEMIC_WINDOW_MINUTES = env.int("SLA_SYSTEMIC_WINDOW_MINUTES", default=60)
# A customer may ask to escalate a ticket again only this long after their last request.
CUSTOMER_ESCALATION_COOLDOWN_MINUTES = env.int("CUSTOMER_ESCALATION_COOLDOWN_MINUTES", default=30)
# Staff business hours (when L3/L4 contacts are paged for P1 only, and others get email).
STAFF_CALENDAR = {"tz": "America/Los_Angeles", "days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"}
# Onboarding activities and check-ins skip this country's public holidays (`holidays` package
# codes: US, GB, DE, ...; an optional subdivision such as "CA"). SLA clocks do not: their
# holidays are data on the tier (accounts.Holiday), none by default, as the guide names none.
MEETING_HOLIDAYS = {"country": env.str("MEETING_HOLIDAYS_COUNTRY", default="US"),
                    "subdivision": env.str("MEETING_HOLIDAYS_SUBDIVISION", default="")}
# Inbound support mailboxes polled by beat, as JSON: [{"name": "support" | "enterprise", "host": ...,
# "port": 993, "ssl": true, "user": ..., "password": ..., "folder": "INBOX",
# "processed_folder": "Processed"}]. Empty: no polling (ingest with manage.py ingest_email).
IMAP_MAILBOXES = env.json("IMAP_MAILBOXES", default=[])
# The authserv-id of the server that receives our mail and writes Authentication-Results
# (RFC 8601), e.g. "mx.aragora.ai" or "mx.google.com"; several comma-separated. Only its headers
# are believed; mail it did not authenticate (DMARC, else aligned SPF/DKIM) is held for staff.
# Unset: From is trusted as written (docs/email.md, "Who sent it").
EMAIL_AUTHSERV_ID = [i.strip().lower() for i in env.list("EMAIL_AUTHSERV_ID", default=[]) if i.strip()]
# At most one automatic reply (Free tier) to an address in this many hours: no backscatter flood.
EMAIL_AUTO_REPLY_INTERVAL_HOURS = env.int("EMAIL_AUTO_REPLY_INTERVAL_HOURS", default=24)
# Customers' replies to ticket mail come back to this mailbox, tagged support+ARA-<id>-<mac>@.
SUPPORT_REPLY_ADDRESS = env.str("SUPPORT_REPLY_ADDRESS", default="support@aragora.ai")
PAGER_ROUTING_KEY = env.str("PAGER_ROUTING_KEY", default="aragora-support")
# Absolute links in notifications: SITE_URL, in "Security hardening" below.

# --- notifications (outbox) ---------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)  # STARTTLS, usually on port 587
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # implicit TLS, usually on port 465
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Aragora Support <support@aragora.ai>")
SLACK_API_BASE_URL = env.str("SLACK_API_BASE_URL", default="https://slack.com/api/")
SLACK_SIGNING_SECRET = env.str("SLACK_SIGNING_SECRET", default="")
SLACK_BOT_TOKEN = env.str("SLACK_BOT_TOKEN", default="")
SLACK_INTERNAL_CHANNEL = env.str("SLACK_INTERNAL_CHANNEL", default="#support-escalations")
PAGER_WEBHOOK_URL = env.str("PAGER_WEBHOOK_URL", default="")
# Only for EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (one file per message).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
# Celery queue for send tasks; empty = the default queue.
NOTIFICATION_QUEUE = env.str("NOTIFICATION_QUEUE", default="")
# A sender that has not finished within the lease is presumed dead and its row is sent again,
# so every provider call must time out well within it (SMTP, Slack and the pager use the timeout).
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=120)
NOTIFICATION_SEND_TIMEOUT = env.int("NOTIFICATION_SEND_TIMEOUT", default=20)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=NOTIFICATION_SEND_TIMEOUT)
# Retries after 30 s, 1, 2, 4, 8, 16, 32 min (about an hour in all), then the row is failed.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_BACKOFF_SECONDS = env.int("NOTIFICATION_BACKOFF_SECONDS", default=30)
NOTIFICATION_BACKOFF_MAX_SECONDS = env.int("NOTIFICATION_BACKOFF_MAX_SECONDS", default=3600)
NOTIFICATION_FLUSH_BATCH = env.int("NOTIFICATION_FLUSH_BATCH", default=500)
# --- end notifications ---------------------------------------------------------------------------

# --- report queue (issue 17, docs/deploy.md "Processes") -----------------------------------------
# Report renders (WeasyPrint, seconds each) go to this queue when set, so workers of their own
# take them and a month-end batch of renders cannot hold up the SLA sweep or the outbox.
REPORT_QUEUE = env.str("REPORT_QUEUE", default="")
if REPORT_QUEUE:
    CELERY_TASK_ROUTES = {"qbr.tasks.render_report": {"queue": REPORT_QUEUE}}
# --- end report queue ------------------------------------------------------------------------------

# --- onboarding (issue 5: plans, check-in cadence, feeds, services) ------------------------------
# A plan made on the move to Enterprise kicks off this many business days later (movable).
ONBOARDING_KICKOFF_LEAD_BUSINESS_DAYS = env.int("ONBOARDING_KICKOFF_LEAD_BUSINESS_DAYS", default=5)
# Check-ins and QBRs exist as rows this far ahead (rolling horizon; beat extends it hourly).
ONBOARDING_CHECKIN_HORIZON_DAYS = env.int("ONBOARDING_CHECKIN_HORIZON_DAYS", default=120)
# Local time of day, in the account manager's time zone, at which meetings are booked.
ONBOARDING_CHECKIN_TIME = env.str("ONBOARDING_CHECKIN_TIME", default="10:00")
# Reminders go out this long before a meeting.
ONBOARDING_CHECKIN_REMINDER_HOURS = env.int("ONBOARDING_CHECKIN_REMINDER_HOURS", default=24)
# The account manager is reminded this many days before an architecture review or training is due.
ONBOARDING_INCLUDED_REMINDER_DAYS = env.int("ONBOARDING_INCLUDED_REMINDER_DAYS", default=30)
# --- end onboarding --------------------------------------------------------------------------------

# --- Logs (docs/logging.md) ----------------------------------------------------------------------
# JSON lines on stderr in production; a readable line for `make run` (ARAGORA_DEMO) and DEBUG.
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG or env.bool("ARAGORA_DEMO", default=False) else "json")
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or console, not {LOG_FORMAT!r}.")
try:
    LOG_LEVEL = level_name(env.str("LOG_LEVEL", default="INFO"))
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
configure_structlog()
# One line a request at INFO, when it is answered (request_finished: code, masked path, user,
# organisation, ticket); request_started only at DEBUG.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # bound by request_logging from common.client_ip (NUM_PROXIES)
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = False  # request_logging keeps a sane one, refuses the rest
# A task's lines carry the request_id (user, organisation, ticket) of whoever queued it, and its task_id.
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# task_enqueued and task_started at DEBUG: a ticket change queues several sends, and a line for each
# would bury the requests (the seed alone queued ~60). task_succeeded/failed stay at INFO.
DJANGO_STRUCTLOG_CELERY_TASK_START_LOG_LEVEL = logging.DEBUG
# --- end logs ------------------------------------------------------------------------------------

# --- Security hardening, site URL and a bounded stop (issues 11.12, 12.10, 12.12) ---------------
# Production variables are listed in README ("Production"); why each is so: docs/security.md.
# No published key ever signs a session: production sets SECRET_KEY; the embedded demo
# (ARAGORA_DEMO=1: `make run`, `make test`, pytest.ini) and DEBUG get a random key kept in VAR_DIR.
ARAGORA_DEMO = env.bool("ARAGORA_DEMO", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or ARAGORA_DEMO):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production sets it to a long random value, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`; the embedded demo sets "
            "ARAGORA_DEMO=1 instead (make run does).")
    SECRET_KEY = local_secret_key(VAR_DIR / "secret_key")

# Where people reach the portal: every absolute link in mail, Slack posts and calendar feeds is
# built on it, as background tasks have no request to take a host from.
PORT = env.int("PORT", default=8000)
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.netloc or _site.path or _site.query:
    raise ImproperlyConfigured(f"SITE_URL must be like https://support.example.com (no path), not {SITE_URL!r}.")

# Served over HTTPS (SITE_URL says so): cookies only over HTTPS and plain HTTP redirected, unless
# the environment says otherwise. HSTS is a promise browsers keep for its whole max-age (and,
# preloaded, one hard to take back), so it is only ever switched on explicitly.
_HTTPS = _site.scheme == "https"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_HTTPS)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_HTTPS)
# Load balancers probe, and Prometheus scrapes each node, over plain HTTP (docs/observability.md).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a proxy that terminates TLS: "HTTP_X_FORWARDED_PROTO,https" (the header the proxy sets,
# and overwrites if a client sent it, with the value meaning HTTPS).
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2 or not _proxy_ssl_header[0].startswith("HTTP_"):
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be like HTTP_X_FORWARDED_PROTO,https.")
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)

# Content-Security-Policy (django-csp 4): only our own scripts, styles, fonts and images, plus
# inline blocks carrying the request's nonce (the API docs page). CSP_MODE: enforce | report-only
# | off; CSP_REPORT_URI collects violations; CSP_EXTRA_SOURCES adds sources to directives as JSON,
# e.g. {"img-src": ["https://cdn.example.com"]}.
CSP_MODE = env.str("CSP_MODE", default="enforce")
if CSP_MODE not in ("enforce", "report-only", "off"):
    raise ImproperlyConfigured(f"CSP_MODE must be enforce, report-only or off, not {CSP_MODE!r}.")
_csp = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, NONCE],
    "img-src": [SELF, "data:"],  # Swagger UI draws its icons as data: SVGs
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
for _directive, _sources in env.json("CSP_EXTRA_SOURCES", default={}).items():
    _csp[_directive] = [*_csp.get(_directive, []), *_sources]
if env.str("CSP_REPORT_URI", default=""):
    _csp["report-uri"] = env.str("CSP_REPORT_URI")
if CSP_MODE != "off":
    INSTALLED_APPS.append("csp")
    MIDDLEWARE.append("csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp} if CSP_MODE == "enforce" else None
CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp} if CSP_MODE == "report-only" else None

# /favicon.ico (browsers ask for it on every page without a link, the admin's and the API's too).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# Ctrl-C on `make run` (scripts/run-dev.sh) is a cold shutdown: running tasks get this long, then
# return to the queue (tasks are acknowledged late). Longer would break the 10-second stop: the
# worker itself needs about 7 s to wind down on the filesystem broker (measured, docs/security.md).
# A SIGTERM (production) is still a warm shutdown that waits for running tasks.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=1.0)
# --- end security hardening ----------------------------------------------------------------------

# --- two-factor (issue 17): allauth.mfa, required for staff and where an organisation says so ----
# accounts/two_factor.py; docs/security.md, "Two-factor". TOTP with recovery codes, and WebAuthn
# security keys (fido2) where the browser has one and the site is HTTPS (or localhost).
INSTALLED_APPS.insert(INSTALLED_APPS.index("allauth.account") + 1, "allauth.mfa")
INSTALLED_APPS.append("django.contrib.humanize")  # allauth's security-key list loads its filters
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_ADAPTER = "accounts.two_factor.MfaAdapter"
MFA_FORMS = {"authenticate": "accounts.two_factor.PortalAuthenticateForm",
             "reauthenticate": "accounts.two_factor.PortalReauthenticateForm"}
MFA_TOTP_TOLERANCE = 1  # the code of the step before or after too (phone clocks drift); each code works once
# `make run` serves http://127.0.0.1: WebAuthn refuses plain HTTP except on localhost, and fido2
# checks the origin against SITE_URL's host.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or ARAGORA_DEMO
# Staff must have a second factor to use the back-office (and anything else) after signing in.
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=True)
MIDDLEWARE.insert(MIDDLEWARE.index("allauth.account.middleware.AccountMiddleware") + 1,
                  "accounts.middleware.EnrolmentMiddleware")
# --- end two-factor --------------------------------------------------------------------------------

# --- observability (issue 17): probes and Prometheus metrics (docs/observability.md) --------------
# /readyz: each check's timeout (broker, cache), and how old the worker's heartbeat (the task beat
# sends every minute) and beat's own tick (at least every CELERY_BEAT_MAX_LOOP_INTERVAL) may be.
READYZ_TIMEOUT_SECONDS = env.float("READYZ_TIMEOUT_SECONDS", default=0.2)
READYZ_WORKER_MAX_AGE_SECONDS = env.int("READYZ_WORKER_MAX_AGE_SECONDS", default=180)
READYZ_BEAT_MAX_LAG_SECONDS = env.int("READYZ_BEAT_MAX_LAG_SECONDS", default=120)
CELERY_BEAT_SCHEDULER = "aragora_support.beat:Scheduler"  # Celery's, plus beat's heartbeat
CELERY_BEAT_MAX_LOOP_INTERVAL = 30
# /metrics is read by a bearer token or from listed addresses/networks (client address as
# common/client_ip.py: NUM_PROXIES); with neither, only with DEBUG on (else 404).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
try:
    METRICS_ALLOW_IPS = [ipaddress.ip_network(e.strip(), strict=False) for e in env.list("METRICS_ALLOW_IPS", default=[])
                         if e.strip()]
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOW_IPS: {exc} (addresses or networks, comma-separated).")
# django-prometheus: request metrics around every middleware (After just inside axes, so the
# status counted is the one axes sends), queries and connections counted by its database
# backends, cache gets by ours over Django's Redis cache (aragora_support/cache_backends.py).
INSTALLED_APPS.append("django_prometheus")
MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "aragora_support.prometheus_middleware.PrometheusAfterMiddleware")
# PostgreSQL's is django-prometheus's with a health check that needs no round trip (common/db_backends).
_INSTRUMENTED_DATABASES = {"django.db.backends.postgresql": "common.db_backends.postgresql",
                           "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3"}
for _db in DATABASES.values():
    _db["ENGINE"] = _INSTRUMENTED_DATABASES.get(_db["ENGINE"], _db["ENGINE"])
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "aragora_support.cache_backends.RedisCache"
# --- end observability -----------------------------------------------------------------------------

VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request if it is missing
