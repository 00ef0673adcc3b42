"""Typed stack configuration: parsed once, validated, frozen, passed down to components."""

from cutover.config.budget import USAGE_KEYS, BudgetConfig, UsageConfig
from cutover.config.environment import Environment, EnvironmentSettings
from cutover.config.network import NatMode, NetworkConfig
from cutover.config.profiles import PROFILES_DIR, available_profiles
from cutover.config.secrets import SecretConfig
from cutover.config.stack import FLAT_KEYS, STRUCTURED_KEYS, Retire, StackConfig, parse_stack_config
from cutover.config.storage import BucketConfig, LifecycleConfig, StorageConfig

__all__ = [
    "FLAT_KEYS", "PROFILES_DIR", "STRUCTURED_KEYS", "USAGE_KEYS", "BucketConfig", "BudgetConfig", "Environment",
    "EnvironmentSettings", "LifecycleConfig", "NatMode", "NetworkConfig", "Retire", "SecretConfig",
    "StackConfig", "StorageConfig", "UsageConfig", "available_profiles", "parse_stack_config",
]
