"""Settings for the test host. Everything that differs per run comes from the environment:
DJANGO_DB (the SQLite file, fresh per run), TANDEM_URL and TANDEM_API_KEY (the Tandem under test).
Tandem comes from the repository's Python package (integrations/python), as
`pip install ./integrations/python` would provide it."""
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR.parents[2] / "integrations" / "python" / "src"))

SECRET_KEY = "test-host-only-not-a-secret"
DEBUG = True  # runserver serves the admin's static files only with DEBUG
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "tandem_integration.django",
    "shop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tandemhost.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandemhost.tandem.settings_context",  # the hand-written recipe (CustomerAdmin)
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB", str(BASE_DIR / "db.sqlite3")),
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_L10N = False  # ISO dates (2026-12-02) in the date inputs, whatever the browser's locale
USE_TZ = True

STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

TANDEM_URL = os.environ.get("TANDEM_URL", "http://127.0.0.1:3000")
TANDEM_API_KEY = os.environ.get("TANDEM_API_KEY", "")
TANDEM_WEBHOOK_SECRET = os.environ.get("TANDEM_WEBHOOK_SECRET", "test-host-webhook-secret-0123")
