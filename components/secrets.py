"""Generated secrets: random values stored in Secrets Manager, exposed only as ARNs."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.refs import StoreRef
from components.specs.environment import EnvironmentSettings
from components.specs.secrets import SecretConfig
from cutover.naming import Kind, Namer


@dataclass(frozen=True)
class SecretsArgs:
    secrets: tuple[SecretConfig, ...]
    namer: Namer
    env: EnvironmentSettings


class GeneratedSecrets(pulumi.ComponentResource):
    arns: dict[str, pulumi.Output[str]]  # keyed by secret name; values never leave Secrets Manager
    secrets: dict[str, aws.secretsmanager.Secret]

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:secrets:GeneratedSecrets", name, None, opts)
        keep = args.env.protect_stateful
        self.arns, self.secrets = {}, {}
        for s in args.secrets:
            value = random.RandomPassword(
                f"{name}-{s.name}-value", length=s.length, special=s.special,
                min_lower=1, min_upper=1, min_numeric=1, opts=pulumi.ResourceOptions(parent=self))
            secret = aws.secretsmanager.Secret(
                f"{name}-{s.name}",
                name=args.namer.name(Kind.SECRET, s.name),
                description=s.description,
                recovery_window_in_days=args.env.secret_recovery_days,
                opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep))
            aws.secretsmanager.SecretVersion(
                f"{name}-{s.name}-version", secret_id=secret.id, secret_string=value.result,
                opts=pulumi.ResourceOptions(parent=self))
            self.secrets[s.name] = secret
            self.arns[s.name] = secret.arn
        self.register_outputs({"arns": self.arns})

    def refs(self) -> dict[str, StoreRef]:
        """``secret:<name>`` refs: read the value at run time; only the ARN is in the environment."""
        return {
            f"secret:{name}": StoreRef(
                key=f"secret:{name}", resource_arns=[arn],
                read_actions=("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"), write_actions=(),
                env={f"{name.upper().replace('-', '_')}_SECRET_ARN": arn})
            for name, arn in self.arns.items()
        }
