"""Fixtures for the Lambda handlers in functions/: fake AWS credentials and region for moto."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

# Pulumi archives functions/<name>/ as the Lambda code: importing the handlers here must not leave
# __pycache__ directories in it.
sys.dont_write_bytecode = True


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and us-east-1, so boto3 never reaches a real account."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    yield
