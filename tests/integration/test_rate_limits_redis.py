"""Sign-in rate limits are counted in Redis, so every web process enforces the same limit."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.servers import redis_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def redis_cache(settings):
    url = redis_url()
    prefix = f"ratelimit-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    server = redis.Redis.from_url(url)
    yield server, prefix
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def test_failed_sign_ins_counted_in_redis_lock_out_a_second_web_process(
    client, participant, redis_cache
):
    server, prefix = redis_cache
    for _ in range(5):
        client.post(reverse("account_login"), {"login": participant.email, "password": "wrong"})
    assert any(server.scan_iter(f"{prefix}:*")), "no rate-limit counter was written to Redis"

    # A fresh cache connection stands for another gunicorn process: it reads the same counters.
    caches["default"].close()
    del caches["default"]
    other_process = Client()
    response = other_process.post(
        reverse("account_login"), {"login": participant.email, "password": PASSWORD}
    )
    assert "Too many failed login attempts" in response.text
    assert "_auth_user_id" not in other_process.session
