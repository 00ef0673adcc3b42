"""Cutover: one stack = one application profile in one environment.

Read top to bottom: parse the configuration once, then build the shared layers every profile
has (network, storage, secrets), then the variants and the front door the profile declares.
"""

import pulumi
import pulumi_aws as aws

from components import (
    GeneratedSecrets,
    Monitoring,
    MonitoringArgs,
    MonitoringTargets,
    Network,
    NetworkArgs,
    SecretsArgs,
    StackProfile,
    StackProfileArgs,
    Storage,
    StorageArgs,
    aws_provider,
)
from cutover.config.source import load_stack_config
from cutover.errors import ConfigError

try:
    cfg = load_stack_config()
except ConfigError as exc:
    raise pulumi.RunError(f"configuration error: {exc}") from None

provider = aws_provider(cfg)
with_provider = pulumi.ResourceOptions(provider=provider)
invoke_opts = pulumi.InvokeOptions(provider=provider)
account_id = aws.get_caller_identity(opts=invoke_opts).account_id
zones = aws.get_availability_zones(state="available", opts=invoke_opts).names

# 1. What this stack is: profile, environment, budget and usage assumptions (read by policies).
StackProfile("profile", StackProfileArgs(cfg), opts=with_provider)

# 2. Shared layers.
network = Network("network", NetworkArgs(cfg.network, cfg.namer, cfg.region, zones), opts=with_provider)
storage = Storage("storage", StorageArgs(cfg.storage, cfg.namer, account_id), opts=with_provider)
secrets = GeneratedSecrets("secrets", SecretsArgs(cfg.secrets, cfg.namer, cfg.environment), opts=with_provider)

# 3. Data stores the profile declares.

# 4. Application variants (serverless, ecs) per color.

# 5. Front door, traffic weights, rollback and cleanup.

# 6. Monitoring, alarms and budget.
monitoring = Monitoring(
    "monitoring",
    MonitoringArgs(cfg.monitoring, cfg.namer, cfg.region, account_id, cfg.budget, cfg.tags["cutover:stack"],
                   cfg.alert_email, MonitoringTargets()),
    opts=with_provider,
)

# 7. Outputs: identifiers only; secret values never leave Secrets Manager.
pulumi.export("profile", cfg.profile)
pulumi.export("environment", cfg.environment.name.value)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("buckets", {purpose: b.bucket_name for purpose, b in storage.buckets.items()})
pulumi.export("secretArns", secrets.arns)
pulumi.export("alertTopicArn", monitoring.topic.arn)
