"""Settings for `make bench` only: the production settings plus the floor views and a header
that reports each response's query count. Never used outside the benchmark."""

import os

os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")

from fasttrack.settings import *  # noqa: E402, F403
from fasttrack.settings import MIDDLEWARE  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "benchmarks.urls"
MIDDLEWARE = ["benchmarks.middleware.QueryCountMiddleware", *MIDDLEWARE]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# gunicorn is reached over plain HTTP on loopback, with no TLS proxy in front.
BEHIND_TLS_PROXY = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
