"""IAM policy documents as plain data (no pulumi import): JSON the engine and policies can read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def statement(actions: Sequence[str], resources: Sequence[str] | str, *, effect: str = "Allow",
              sid: str | None = None, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    if isinstance(resources, str):
        resources = [resources]
    if not actions or not resources:
        raise ValueError("a statement needs at least one action and one resource")
    if "*" in actions and "*" in resources:
        raise ValueError("refusing to build '*' on '*': scope the statement")
    stmt: dict[str, Any] = {"Effect": effect, "Action": sorted(set(actions)), "Resource": list(resources)}
    if sid:
        stmt["Sid"] = sid
    if condition:
        stmt["Condition"] = condition
    return stmt


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def assume_role(*services: str, condition: dict[str, Any] | None = None) -> str:
    """Trust policy letting AWS services (``lambda.amazonaws.com``) assume a role."""
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                            "Principal": {"Service": sorted(services) if len(services) > 1 else services[0]}}
    if condition:
        stmt["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]}, sort_keys=True)
