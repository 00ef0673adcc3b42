"""usage.services: per-service figures, checked against the profile's services, recorded for the estimator."""

from __future__ import annotations

import pytest

from cutover.config.budget import parse_usage
from cutover.config.reader import Reader
from cutover.errors import ConfigError
from tests.conftest import planned


def test_per_service_usage_parses() -> None:
    usage = parse_usage(Reader({"requestsPerMonth": 10, "services": {
        "api": {"requestsPerMonth": 5000}, "nightly": {"avgDurationMs": 60000}}}, "usage"), ("api", "nightly"))
    assert [(s.service, s.requests_per_month, s.avg_duration_ms) for s in usage.services] == [
        ("api", 5000.0, None), ("nightly", None, 60000.0)]
    assert usage.services[0].as_dict() == {"requestsPerMonth": 5000.0}


@pytest.mark.parametrize(("doc", "key", "allowed"), [
    ({"services": {"nope": {"requestsPerMonth": 1}}}, "usage.services.nope", "api | nightly"),
    ({"services": {"api": {"requestsPerMonth": -1}}}, "usage.services.api.requestsPerMonth", "0..1000000000000.0"),
    ({"services": {"api": {"avgDurationMs": 900001}}}, "usage.services.api.avgDurationMs", "1..900000"),
    ({"services": {"api": {"requests": 1}}}, "usage.services.api.requests", "avgDurationMs, requestsPerMonth"),
])
def test_bad_per_service_usage_names_the_key(doc: dict[str, object], key: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_usage(Reader(doc, "usage"), ("api", "nightly"))
    assert err.value.key == key
    assert err.value.allowed == allowed


def test_the_stack_profile_records_it_for_the_estimator() -> None:
    plan = planned("dev", "profile=pos-serverless", "overrides.usage.services.stripe-webhook.requestsPerMonth=30000")
    profile = plan.one("cutover:index:StackProfile")
    assert profile.inputs["serviceUsage"] == {"stripe-webhook": {"requestsPerMonth": 30000.0}}
    assert "serviceUsage" not in planned("dev", "profile=pos-serverless").one("cutover:index:StackProfile").inputs
