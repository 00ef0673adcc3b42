"""Network: security group ingress, VPC flow logs, load balancer listeners, access logs and deletion protection."""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import ReportViolation, ResourceValidationArgs, StackValidationArgs

from cutover_guard._util import (
    as_bool,
    as_number,
    as_str,
    get,
    is_unknown,
    items,
    not_enabled,
    of_type,
    refers_to,
    resource_environment,
    resource_policy,
    stack_policy,
)

SG_TYPE: Final = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE_TYPE: Final = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_TYPE: Final = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC_TYPE: Final = "aws:ec2/vpc:Vpc"
FLOW_LOG_TYPE: Final = "aws:ec2/flowLog:FlowLog"
LB_TYPES: Final = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENER_TYPES: Final = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")

OPEN_CIDRS: Final = frozenset({"0.0.0.0/0", "::/0"})
DEFAULT_ALLOWED_PUBLIC_PORTS: Final = [80, 443]
DEFAULT_TLS_POLICY_PREFIXES: Final = ["ELBSecurityPolicy-TLS13-"]


# --- security groups ------------------------------------------------------------------------------

def _open_rule_problem(rule: Any, allowed_ports: list[int], cidr_keys: tuple[str, ...], proto_key: str) -> str | None:
    cidrs: list[str] = []
    for key in cidr_keys:
        value = get(rule, key)
        cidrs += [c for c in items(value) if isinstance(c, str)]
    open_cidrs = sorted(set(cidrs) & OPEN_CIDRS)
    if not open_cidrs:
        return None
    proto = get(rule, proto_key)
    from_port, to_port = get(rule, "fromPort"), get(rule, "toPort")
    if any(is_unknown(v) for v in (proto, from_port, to_port)):
        return None
    proto_s = str(proto).lower() if proto is not None else "tcp"
    lo, hi = as_number(from_port), as_number(to_port)
    if proto_s in ("-1", "all"):
        return f"all traffic is open to {', '.join(open_cidrs)}"
    if lo is not None and hi is not None and lo == hi and int(lo) in allowed_ports and proto_s in ("tcp", "6"):
        return None
    ports = f"{int(lo) if lo is not None else '?'}-{int(hi) if hi is not None else '?'}"
    return f"{proto_s} ports {ports} are open to {', '.join(open_cidrs)}"


def _sg_ingress(args: ResourceValidationArgs, report: ReportViolation) -> None:
    allowed = [int(p) for p in args.get_config().get("allowedPorts", DEFAULT_ALLOWED_PUBLIC_PORTS)]
    props = args.props
    problems: list[str | None] = []
    if args.resource_type == SG_TYPE:
        problems = [_open_rule_problem(r, allowed, ("cidrBlocks", "ipv6CidrBlocks"), "protocol")
                    for r in items(get(props, "ingress"))]
    elif args.resource_type == SG_RULE_TYPE:
        if get(props, "type") == "ingress":
            problems = [_open_rule_problem(props, allowed, ("cidrBlocks", "ipv6CidrBlocks"), "protocol")]
    else:
        problems = [_open_rule_problem(props, allowed, ("cidrIpv4", "cidrIpv6"), "ipProtocol")]
    for p in problems:
        if p:
            report(f"Ingress from the internet is only allowed on TCP ports {allowed}: {p}.", None)


sg_no_public_ingress = resource_policy(
    "sg-no-public-ingress",
    "Security groups must not allow ingress from 0.0.0.0/0 or ::/0 except on TCP 80/443.",
    [SG_TYPE, SG_RULE_TYPE, SG_INGRESS_TYPE], _sg_ingress,
    config={"allowedPorts": {"type": "array", "items": {"type": "integer"}, "default": DEFAULT_ALLOWED_PUBLIC_PORTS}})


def _vpc_flow_logs(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    logs = of_type(resources, FLOW_LOG_TYPE)
    for vpc in of_type(resources, VPC_TYPE):
        if not any(refers_to(log, vpc, "vpcId", ("id",)) for log in logs):
            report(f"VPC '{vpc.name}' has no flow log.", vpc.urn)


vpc_flow_logs = stack_policy("vpc-flow-logs", "Every VPC must have a flow log.", _vpc_flow_logs)


# --- load balancers -------------------------------------------------------------------------------

def _listener_tls(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    protocol = get(props, "protocol")
    if is_unknown(protocol):
        return
    protocol = (as_str(protocol) or "HTTP").upper()  # ALB listeners default to HTTP
    if protocol in ("HTTPS", "TLS"):
        prefixes = list(args.get_config().get("allowedSslPolicyPrefixes", DEFAULT_TLS_POLICY_PREFIXES))
        policy = get(props, "sslPolicy")
        if is_unknown(policy):
            return
        if not isinstance(policy, str) or not any(policy.startswith(p) for p in prefixes):
            report(f"{protocol} listener uses SSL policy {policy!r}; use a TLS 1.3 policy such as "
                   "ELBSecurityPolicy-TLS13-1-2-2021-06.", None)
        return
    if protocol != "HTTP":
        return
    actions = get(props, "defaultActions")
    if is_unknown(actions):
        return
    acts = items(actions)
    if len(acts) != 1:
        report("HTTP listener must have exactly one default action: a redirect to HTTPS.", None)
        return
    action = acts[0]
    kind, target = get(action, "type"), get(action, "redirect", "protocol")
    if is_unknown(kind) or is_unknown(target):
        return
    if kind != "redirect" or str(target).upper() != "HTTPS":
        report("HTTP listener's default action must redirect to HTTPS.", None)


alb_listener_tls = resource_policy(
    "alb-listener-tls",
    "Load balancer listeners must use HTTPS with a TLS 1.3 security policy; HTTP listeners may only redirect to HTTPS.",
    LISTENER_TYPES, _listener_tls,
    config={"allowedSslPolicyPrefixes": {"type": "array", "items": {"type": "string"},
                                         "default": DEFAULT_TLS_POLICY_PREFIXES}})


def _lb_is_application(props: Any) -> bool:
    kind = get(props, "loadBalancerType")
    return kind is None or kind == "application"


def _alb_access_logs(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not _lb_is_application(args.props):
        return
    enabled = get(args.props, "accessLogs", "enabled")
    if is_unknown(enabled):
        return
    if as_bool(enabled) is not True:
        report("Application load balancer must have access logs enabled.", None)


alb_access_logs = resource_policy(
    "alb-access-logs", "Application load balancers must write access logs.", LB_TYPES, _alb_access_logs)


def _lb_deletion_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if resource_environment(args) != "prod":
        return
    if not_enabled(args.props, "enableDeletionProtection"):
        report("Production load balancers must enable deletion protection.", None)


lb_deletion_protection = resource_policy(
    "lb-deletion-protection", "Load balancers in prod must have deletion protection enabled.",
    LB_TYPES, _lb_deletion_protection)

POLICIES: Final = [sg_no_public_ingress, vpc_flow_logs, alb_listener_tls, alb_access_logs, lb_deletion_protection]
