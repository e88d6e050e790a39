"""Sealed, fast settings for the test suite: nothing here reaches the network."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")

from .settings import *  # noqa: E402, F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "pt-br"
# Unit tests run Celery tasks inline; the integration tests start real workers on Redis.
CELERY_TASK_ALWAYS_EAGER = True
# The test client and the live server speak plain HTTP on loopback, with no proxy in front.
BEHIND_TLS_PROXY = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
