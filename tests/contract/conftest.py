"""Fixtures for the IAM contract tests: moto with fake credentials, in the plan's account and region."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from cutover.plan.mocks import ACCOUNT_ID

# Pulumi archives functions/<name>/ as the Lambda code: importing the handlers here must not leave
# __pycache__ directories in it.
sys.dont_write_bytecode = True

# The plan's mocks and moto must name the same account, or no recorded ARN could match the plan's.
assert DEFAULT_ACCOUNT_ID == ACCOUNT_ID, (DEFAULT_ACCOUNT_ID, ACCOUNT_ID)
REGION = "us-east-1"  # the Pulumi.<stack>.yaml region every profile plans in (checked per function)


@pytest.fixture
def moto_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and the plans' region, so boto3 never reaches a real account."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
                       "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    with mock_aws():
        yield
