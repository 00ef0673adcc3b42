"""iam-secret-arn-exact trips on a '*' in a Secrets Manager ARN and passes the full ARN or '<name>-??????'
(Secrets Manager appends a hyphen and six random characters to a secret's name in its ARN; its user guide's
identity-policy examples match them with six '?')."""

from __future__ import annotations

import json

import pytest

from tests.policy.conftest import res, run

BASE = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"


def _policy(*resources: str) -> dict[str, str]:
    return {"role": "r", "policy": json.dumps({"Statement": [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": list(resources)}]})}


@pytest.mark.parametrize("resource", [f"{BASE}stripe-key*", f"{BASE}stripe-key-*", f"{BASE}*", f"{BASE}app/*-??????"])
def test_a_wildcard_in_a_secret_arn_trips(resource: str) -> None:
    violations = run("iam-secret-arn-exact", [res("aws:iam/rolePolicy:RolePolicy", "p", inputs=_policy(resource))])
    assert len(violations) == 1
    assert resource in violations[0].message and "-??????" in violations[0].message


@pytest.mark.parametrize("resource", [f"{BASE}stripe-key-AbC123", f"{BASE}stripe/key-??????",
                                      "arn:aws:s3:::bucket/*"])  # other services' wildcards: not this rule's
def test_an_exact_secret_grant_passes(resource: str) -> None:
    assert run("iam-secret-arn-exact", [res("aws:iam/rolePolicy:RolePolicy", "p", inputs=_policy(resource))]) == []


def test_deny_statements_are_not_grants() -> None:
    doc = {"role": "r", "policy": json.dumps({"Statement": [
        {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": f"{BASE}*"}]})}
    assert run("iam-secret-arn-exact", [res("aws:iam/rolePolicy:RolePolicy", "p", inputs=doc)]) == []
