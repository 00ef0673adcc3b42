"""Cutover's ComponentResources, one module each. This package only re-exports."""

from components.alb import AlbArgs, AppLoadBalancer
from components.alert_topic import AlertTopic, AlertTopicArgs
from components.api_edge import ApiEdge, ApiEdgeArgs
from components.archive import Archive, ArchiveArgs, retiring
from components.aurora import AuroraArgs, AuroraPostgres
from components.bucket import SecureBucket, SecureBucketArgs
from components.cdn import AppCdn, CdnArgs
from components.container_app import ContainerApp, ContainerAppArgs, LoadBalancerAttachment
from components.device_ingest import DeviceIngest, DeviceIngestArgs
from components.dynamodb import Tables, TablesArgs
from components.front_door import AlbPlacement, Endpoint, FrontDoor, FrontDoorArgs, RollbackTarget
from components.frontend import FrontendArgs, StaticSite
from components.http_api import DomainTarget, HttpApi, HttpApiArgs
from components.monitoring import (
    AlbTarget,
    EcsTarget,
    Monitoring,
    MonitoringArgs,
    MonitoringTargets,
    RdsTarget,
)
from components.network import Network, NetworkArgs
from components.platform import StackProfile, StackProfileArgs, config_errors
from components.postgres import PostgresArgs, PostgresDatabase
from components.providers import aws_provider, edge_provider
from components.redis import RedisArgs, RedisCache
from components.rollback import AlbMetrics, LambdaMetrics, Rollback, RollbackArgs
from components.secrets import GeneratedSecrets, SecretsArgs
from components.serverless import LambdaTarget, ServerlessApp, ServerlessAppArgs, VpcPlacement
from components.ses import EmailArgs, EmailSender
from components.storage import Storage, StorageArgs
from components.waf import SharedWebAcls, WebAcl, WebAclArgs
from components.websocket_api import WebSocketApi, WebSocketApiArgs

__all__ = [
    "AlbArgs",
    "AlbMetrics",
    "AlbPlacement",
    "AlbTarget",
    "AlertTopic",
    "AlertTopicArgs",
    "ApiEdge",
    "ApiEdgeArgs",
    "AppCdn",
    "AppLoadBalancer",
    "Archive",
    "ArchiveArgs",
    "AuroraArgs",
    "AuroraPostgres",
    "CdnArgs",
    "ContainerApp",
    "ContainerAppArgs",
    "DeviceIngest",
    "DeviceIngestArgs",
    "DomainTarget",
    "EcsTarget",
    "EmailArgs",
    "EmailSender",
    "Endpoint",
    "FrontDoor",
    "FrontDoorArgs",
    "FrontendArgs",
    "GeneratedSecrets",
    "HttpApi",
    "HttpApiArgs",
    "LambdaMetrics",
    "LambdaTarget",
    "LoadBalancerAttachment",
    "Monitoring",
    "MonitoringArgs",
    "MonitoringTargets",
    "Network",
    "NetworkArgs",
    "PostgresArgs",
    "PostgresDatabase",
    "RdsTarget",
    "RedisArgs",
    "RedisCache",
    "Rollback",
    "RollbackArgs",
    "RollbackTarget",
    "SecretsArgs",
    "SecureBucket",
    "SecureBucketArgs",
    "ServerlessApp",
    "ServerlessAppArgs",
    "SharedWebAcls",
    "StackProfile",
    "StackProfileArgs",
    "StaticSite",
    "Storage",
    "StorageArgs",
    "Tables",
    "TablesArgs",
    "VpcPlacement",
    "WebAcl",
    "WebAclArgs",
    "WebSocketApi",
    "WebSocketApiArgs",
    "aws_provider",
    "config_errors",
    "edge_provider",
    "retiring",
]
