"""Schemathesis against the API's OpenAPI schema on a live server: no generated request causes a 5xx.

Examples per operation: SCHEMATHESIS_MAX_EXAMPLES (CI's PostgreSQL pass runs more). DNS is stubbed and
outbound connections are refused (tests/microhost's `network` fixture), so follow targets never leave."""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from accounts.tokens import mint_token
from tests.microhost.conftest import network  # noqa: F401 - fixture reused

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))


@pytest.fixture
def api_world(live_server, make_user, make_post, settings, network):  # noqa: F811 - fixture
    """Users, posts, a follow and a token; the live server answers as the platform host."""
    settings.ALLOWED_HOSTS = ["*"]
    alice, bob = make_user("alice"), make_user("bob")
    root = make_post(alice, "root")
    make_post(bob, "reply", in_reply_to=root.get_absolute_url())
    raw, _ = mint_token(user=alice, scope="read follow mute")
    return {"url": live_server.url, "token": raw, "host": settings.MICROHOST_DOMAIN}


def load_schema(world: dict):
    """The schema as served by the live platform."""
    response = requests.get(
        f"{world['url']}/api/v1/schema/?format=json", headers={"Host": world["host"]}, timeout=10
    )
    return schemathesis.openapi.from_dict(response.json())


@pytest.mark.django_db(transaction=True)
def test_no_server_errors(api_world):
    """Every generated request, for every operation, gets an answer below 500.

    Driven with Hypothesis directly: schemathesis's own pytest plugin does not run on pytest 9."""
    headers = {"Authorization": f"Bearer {api_world['token']}", "Host": api_world["host"]}
    operations = [result.ok() for result in load_schema(api_world).get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def check(case):
            case.call_and_validate(base_url=api_world["url"], headers=headers, checks=[not_a_server_error])

        check()
