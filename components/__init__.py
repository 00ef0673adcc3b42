"""Cutover's ComponentResources, one module each. This package only re-exports."""

from components.alert_topic import AlertTopic, AlertTopicArgs
from components.bucket import SecureBucket, SecureBucketArgs
from components.monitoring import (
    AlbTarget,
    EcsTarget,
    Monitoring,
    MonitoringArgs,
    MonitoringTargets,
    RdsTarget,
)
from components.network import Network, NetworkArgs
from components.platform import StackProfile, StackProfileArgs, aws_provider
from components.secrets import GeneratedSecrets, SecretsArgs
from components.storage import Storage, StorageArgs

__all__ = [
    "AlbTarget",
    "AlertTopic",
    "AlertTopicArgs",
    "EcsTarget",
    "GeneratedSecrets",
    "Monitoring",
    "MonitoringArgs",
    "MonitoringTargets",
    "Network",
    "NetworkArgs",
    "RdsTarget",
    "SecretsArgs",
    "SecureBucket",
    "SecureBucketArgs",
    "StackProfile",
    "StackProfileArgs",
    "Storage",
    "StorageArgs",
    "aws_provider",
]
