"""Cutover's ComponentResources, one module each. This package only re-exports."""

from components.bucket import SecureBucket, SecureBucketArgs
from components.network import Network, NetworkArgs
from components.platform import StackProfile, StackProfileArgs, aws_provider
from components.secrets import GeneratedSecrets, SecretsArgs
from components.storage import Storage, StorageArgs

__all__ = [
    "GeneratedSecrets", "Network", "NetworkArgs", "SecretsArgs", "SecureBucket", "SecureBucketArgs",
    "StackProfile", "StackProfileArgs", "Storage", "StorageArgs", "aws_provider",
]
