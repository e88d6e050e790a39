"""What the API tests share: tokens for the personas, a client that sends them, and a fresh
throttle count for each test."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import TokenAccess
from accounts.services import access_token_create


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Throttle counts live in the cache, which outlives a test's database."""
    cache.clear()
    yield
    cache.clear()


def make_token(user, access=TokenAccess.READ_WRITE, days=30) -> str:
    _access_token, token = access_token_create(
        user=user,
        name="script",
        access=access,
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
    )
    return token


@pytest.fixture
def api():
    """A client for a user: `api(user)` sends their read-write token, `api(user, READ)` a
    read-only one, `api()` nothing."""

    def client_for(user=None, access=TokenAccess.READ_WRITE):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user, access)}")
        return client

    return client_for
