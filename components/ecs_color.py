"""EcsColor: a color built with the ECS variant, either color: seed 004's current system as blue,
seed 001's Fargate app as green.

One ALB (its own name and logs, by color), one Fargate service per configured container on a shared
cluster, path rules for every service but the default one, and optionally CloudFront in front.
The front door reaches the color at ``endpoint_dns_name`` / ``endpoint_zone_id``: the distribution
when there is one, otherwise the load balancer. A retired color (``retired``: the front door sends it
nothing) scales its services to zero tasks instead of running idle until its resources leave.

It implements components/color.py's ``AppColor``: ``endpoints()`` (``alb``, and ``cdn`` when it has
one), the load balancer's metrics for the rollback, its monitoring targets and alarms, the stores its
services write, its exports.

``physical_color`` keeps the physical names a color had before it was built here (green's ECS
variant named its resources without a color); ``moved_from`` aliases each child to the logical
name it had at the stack's top level, so moving it into the color replaces nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm
from components.alb import AlbArgs, AppLoadBalancer
from components.cdn import AppCdn, CdnArgs
from components.color import ColorTargets, RollbackMetrics
from components.container_app import ContainerApp, ContainerAppArgs, LoadBalancerAttachment
from components.data_plan import write_grants
from components.front_door import CLOUDFRONT_ZONE_ID, Endpoint, GreenService
from components.monitoring import AlbTarget, EcsTarget
from components.pre_traffic import PreTrafficGate
from components.refs import StoreRef
from components.rollback import AlbMetrics
from components.specs.blue import EcsColorConfig
from components.specs.environment import EnvironmentSettings
from cutover.naming import Namer

FIRST_RULE_PRIORITY = 100  # leaves room below for rules an operator adds by hand (maintenance pages)


@dataclass(frozen=True)
class EcsColorArgs:
    config: EcsColorConfig
    color: str  # "blue": part of every physical name
    namer: Namer
    env: EnvironmentSettings
    region: str
    account_id: str
    refs: Mapping[str, StoreRef]
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    public_subnet_ids: Sequence[pulumi.Input[str]]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    alb_web_acl_arn: pulumi.Input[str] | None = None  # REGIONAL
    cdn_web_acl_arn: pulumi.Input[str] | None = None  # CLOUDFRONT (us-east-1)
    retired: bool = False  # no traffic any more: every service scales to zero tasks
    # Whether to build the distribution config.cdn describes. False keeps the load balancer as it is behind
    # one (CloudFront-only ingress, origin-verify rule) without the distribution: a retired green's.
    build_cdn: bool = True
    physical_color: str | None = None  # in physical names; default: color ("" for none)
    alb_purpose: str | None = None  # the load balancer's name part; default: the physical color
    config_path: str | None = None  # where a single service's settings come from, for errors
    # child ("alb", "cdn" or a service name) -> its logical name at the stack's top level before
    moved_from: Mapping[str, str] = field(default_factory=dict)
    # The key the single top-level app was watched under before it was a color ("app"): the load balancer
    # with its default target group and the default service, both under that key, as they were. None: the
    # color's name for the load balancer as a whole (its default target group is one service's of several)
    # and ``<color>-<service>`` for each service and worker.
    monitoring_key: str | None = None
    # Green's pre-traffic task: its service's app opens it; every service of the color waits for it.
    pre_traffic: PreTrafficGate | None = None


class EcsColor(pulumi.ComponentResource):
    alb: AppLoadBalancer
    apps: dict[str, ContainerApp]  # by container name
    workers: dict[str, ContainerApp]  # services without a load balancer, by container name
    cdn: AppCdn | None
    endpoint_dns_name: pulumi.Output[str]
    endpoint_zone_id: pulumi.Output[str]
    health_check_fqdn: pulumi.Input[str]  # a name the color's certificate covers
    _args: EcsColorArgs

    def __init__(self, name: str, args: EcsColorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:ecs:EcsColor", name, None, opts)
        self._args = args
        cfg, child = args.config, pulumi.ResourceOptions(parent=self)
        default = cfg.default.container
        physical = args.color if args.physical_color is None else args.physical_color

        def placed(piece: str) -> pulumi.ResourceOptions:
            if piece not in args.moved_from:
                return child
            # Formerly a resource of the stack itself (no parent) under that name.
            return pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name=args.moved_from[piece],
                                                                             parent=None)])

        if cfg.cdn is not None and cfg.alb.domain_name is None:
            raise ValueError("CloudFront needs the ALB's domainName (the origin name its certificate covers)")
        self.alb = AppLoadBalancer(f"{name}-alb", AlbArgs(
            cfg.alb, args.namer, args.env, args.region, args.account_id, args.vpc_id, args.vpc_cidr,
            args.public_subnet_ids, default.port, default.health_path, default.deregistration_delay,
            cloudfront_only=cfg.cdn is not None, web_acl_arn=args.alb_web_acl_arn,
            purpose=args.alb_purpose or physical or "app"), opts=placed("alb"))

        self.apps = {}
        cluster: aws.ecs.Cluster | None = None
        capacity: aws.ecs.ClusterCapacityProviders | None = None
        for priority, svc in enumerate(cfg.services, start=FIRST_RULE_PRIORITY - 1):
            c = svc.container
            if not svc.path_patterns:
                attachment = LoadBalancerAttachment(
                    self.alb.security_group_id, self.alb.target_group_arn, self.alb.arn_suffix,
                    self.alb.target_group_arn_suffix,
                    listeners=[self.alb.https_listener, self.alb.http_listener, *self.alb.https_rules])
            else:
                tg = self.alb.new_target_group(f"{args.color}-{c.name}", port=c.port, health_check_path=c.health_path,
                                               parent=self)
                rule = aws.lb.ListenerRule(
                    f"{name}-{c.name}", listener_arn=self.alb.https_listener_arn, priority=priority,
                    conditions=[{"path_pattern": {"values": list(svc.path_patterns)}}, *self.alb.origin_conditions()],
                    actions=[{"type": "forward", "target_group_arn": tg.arn}], opts=child)
                if c.port != default.port:  # the ALB's group only reaches the default port on its own
                    aws.vpc.SecurityGroupEgressRule(
                        f"{name}-alb-to-{c.name}", security_group_id=self.alb.security_group_id, ip_protocol="tcp",
                        from_port=c.port, to_port=c.port, cidr_ipv4=args.vpc_cidr,
                        description=f"to {c.name}'s tasks (and health checks)", opts=child)
                attachment = LoadBalancerAttachment(self.alb.security_group_id, tg.arn, self.alb.arn_suffix,
                                                    tg.arn_suffix, listeners=[rule])
            app = ContainerApp(f"{name}-{c.name}", ContainerAppArgs(
                c, args.namer, args.env, args.region, args.account_id, args.refs, args.vpc_id,
                args.private_subnet_ids, attachment, color=physical,
                config_path=args.config_path or f"traffic.{args.color}.containers.{c.name}", cluster=cluster,
                capacity_providers=capacity, retired=args.retired, pre_traffic=args.pre_traffic), opts=placed(c.name))
            cluster, capacity = cluster or app.cluster, capacity or app.capacity_providers
            self.apps[c.name] = app
        # Workers (``workers:``): no target group, no ingress; they reach their stores and queues like the app.
        self.workers = {}
        for w in cfg.workers:
            worker = ContainerApp(f"{name}-{w.name}", ContainerAppArgs(
                w, args.namer, args.env, args.region, args.account_id, args.refs, args.vpc_id,
                args.private_subnet_ids, None, color=physical, config_path=f"workers.{w.name}", cluster=cluster,
                capacity_providers=capacity, retired=args.retired, pre_traffic=args.pre_traffic,
                repository=_shared_repository(self.apps[default.name]) if w.image.uses_ecr else None), opts=child)
            self.workers[w.name] = worker

        self.cdn = None
        if cfg.cdn is not None and cfg.alb.domain_name is not None and args.build_cdn:
            self.cdn = AppCdn(f"{name}-cdn", CdnArgs(cfg.cdn, args.namer, cfg.alb.domain_name, args.cdn_web_acl_arn,
                                                     self.alb.origin_verify),
                              opts=placed("cdn"))
            self.endpoint_dns_name, self.endpoint_zone_id = self.cdn.domain_name, self.cdn.hosted_zone_id
            self.health_check_fqdn = self.cdn.domain_name
        else:
            self.endpoint_dns_name, self.endpoint_zone_id = self.alb.dns_name, self.alb.zone_id
            self.health_check_fqdn = self.alb.public_name
        self.register_outputs({"endpointDnsName": self.endpoint_dns_name, "endpointZoneId": self.endpoint_zone_id,
                               "services": {n: a.service_name for n, a in self.apps.items()}})

    # --- components/color.py's AppColor -------------------------------------------------------------
    @property
    def entry(self) -> str:
        return "cdn" if self.cdn is not None else "alb"

    @property
    def retired(self) -> bool:
        """Retired (``retire`` names this color): built still, every service at zero tasks, until retireData."""
        return self._args.retired

    @property
    def functions(self) -> dict[str, pulumi.Output[str]]:
        return {}

    @property
    def writes(self) -> frozenset[str]:
        """The store refs its services and its workers may change (by their ``uses``, on the refs it was given):
        a worker-only write grant is a writer the data plan must know about."""
        containers = [*(svc.container for svc in self._args.config.services), *self._args.config.workers]
        return frozenset(k for c in containers
                         for k in write_grants({k: a.value for k, a in c.uses}, self._args.refs))

    def endpoints(self) -> dict[str, Endpoint]:
        # The ALB's certificate covers its public name, not its AWS DNS name: health checks ask for that one.
        offered = {"alb": Endpoint(dns_name=self.alb.dns_name, zone_id=self.alb.zone_id,
                                   health_check_fqdn=self.alb.public_name)}
        if self.cdn is not None:
            # Z2FDTNDATAQYW2: every CloudFront distribution's alias-target zone (Route 53 AliasTarget docs).
            offered["cdn"] = Endpoint(dns_name=self.cdn.domain_name, zone_id=CLOUDFRONT_ZONE_ID,
                                      health_check_fqdn=self.cdn.domain_name)
        return offered

    def routed_services(self) -> dict[str, GreenService]:
        return {}  # its own load balancer routes to its services: a front door sends it whole

    def rollback_metrics(self, services: Sequence[str] | None = None, alias: str | None = None) -> RollbackMetrics:
        """Its own load balancer's errors and latency, at the default target group (every service's traffic
        enters there or at a path rule of the same load balancer)."""
        return RollbackMetrics(alb=AlbMetrics(self.alb.arn_suffix, self.alb.target_group_arn_suffix))

    def monitoring_targets(self) -> ColorTargets:
        key = self._args.monitoring_key
        if key is not None:
            app = self.apps[self._args.config.default.container.name]
            return ColorTargets(albs={key: AlbTarget(self.alb.arn_suffix, self.alb.target_group_arn_suffix)},
                                ecs_services={key: EcsTarget(app.cluster_name, app.service_name),
                                              **{f"{key}-{n}": EcsTarget(w.cluster_name, w.service_name)
                                                 for n, w in self.workers.items()}})
        color = self._args.color
        return ColorTargets(albs={color: AlbTarget(self.alb.arn_suffix)},
                            ecs_services={f"{color}-{n}": EcsTarget(a.cluster_name, a.service_name)
                                          for n, a in {**self.apps, **self.workers}.items()})

    def monitoring_alarms(self) -> list[DeclaredAlarm]:
        """The load balancer's and each service's alarms, keyed as ``monitoring_key`` says."""
        key = self._args.monitoring_key
        if key is not None:
            app = self.apps[self._args.config.default.container.name]
            return [*self.alb.monitoring_alarms(key), *app.monitoring_alarms(key),
                    *(a for n, w in self.workers.items() for a in w.monitoring_alarms(f"{key}-{n}"))]
        key = self._args.color
        return [*self.alb.monitoring_alarms(key, target_group=False),
                *(a for n, app in {**self.apps, **self.workers}.items() for a in app.monitoring_alarms(f"{key}-{n}"))]

    def exports(self) -> dict[str, Any]:
        """The default service and the load balancer as ``app``, the distribution as ``cdn``."""
        app = self.apps[self._args.config.default.container.name]
        out: dict[str, Any] = {"app": {
            "cluster": app.cluster_name,
            "service": app.service_name,
            "repositoryUrl": app.repository_url,
            "image": app.image,
            "albDnsName": self.alb.dns_name,
            "albZoneId": self.alb.zone_id,
            "albArnSuffix": self.alb.arn_suffix,
            "httpsListenerArn": self.alb.https_listener_arn,
            "targetGroupArn": self.alb.target_group_arn,
            "targetGroupArnSuffix": self.alb.target_group_arn_suffix,
        }}
        if self.cdn is not None:
            out["cdn"] = {"domainName": self.cdn.domain_name, "zoneId": self.cdn.hosted_zone_id,
                          "distributionId": self.cdn.distribution_id, "url": self.cdn.url}
        return out


def _shared_repository(app: ContainerApp) -> tuple[pulumi.Input[str], pulumi.Input[str]] | None:
    """The web service's ECR repository, which its workers run images from (one build, two commands)."""
    if app.repository_url is None or app.repository_arn is None:
        return None
    return app.repository_url, app.repository_arn
