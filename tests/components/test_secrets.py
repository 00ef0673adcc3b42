"""Generated secrets: random values in Secrets Manager, only ARNs leave the component."""

from __future__ import annotations

import pulumi

from components.secrets import GeneratedSecrets, SecretsArgs
from cutover.config import parse_stack_config
from tests.conftest import plan_components


def _plan(stack: str) -> tuple[pulumi.Output, object]:  # type: ignore[type-arg]
    cfg = parse_stack_config({"profile": "pos-serverless", "environment": stack}, project="cutover", stack=stack)

    def program() -> None:
        s = GeneratedSecrets("secrets", SecretsArgs(cfg.secrets, cfg.namer, cfg.environment))
        pulumi.export("arns", s.arns)
        pulumi.export("refs", {k: dict(v.env) for k, v in s.refs().items()})

    return plan_components(program, stack=stack), cfg  # type: ignore[return-value]


def test_value_is_random_and_stored_in_secrets_manager() -> None:
    plan, _ = _plan("dev")
    pw = plan.one("random:index/randomPassword:RandomPassword")
    assert pw.inputs["length"] == 64 and pw.inputs["special"] is False
    secret = plan.one("aws:secretsmanager/secret:Secret")
    assert secret.inputs["name"] == "pos/dev/jwt-signing-key"
    version = plan.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretId"] == secret.id
    assert version.inputs["secretString"] == pw.outputs["result"]


def test_outputs_and_refs_hold_arns_never_values() -> None:
    plan, _ = _plan("dev")
    value = plan.one("random:index/randomPassword:RandomPassword").outputs["result"]
    arn = plan.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    assert plan.stack_outputs["arns"] == {"jwt-signing-key": arn}
    assert plan.stack_outputs["refs"] == {"secret:jwt-signing-key": {"JWT_SIGNING_KEY_SECRET_ARN": arn}}
    assert value not in repr(plan.stack_outputs)


def test_prod_protects_and_keeps_a_recovery_window() -> None:
    plan, _ = _plan("prod")
    secret = plan.one("aws:secretsmanager/secret:Secret")
    assert secret.protect and secret.retain_on_delete
    assert secret.inputs["recoveryWindowInDays"] == 30
    dev, _ = _plan("dev")
    assert dev.one("aws:secretsmanager/secret:Secret").inputs["recoveryWindowInDays"] == 0
