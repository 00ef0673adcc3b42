"""The policy a plan gives a Lambda, what the Lambda service does with that role, and the two-way check.

``planned_function(plan, logical_name)`` finds the function, its role (``role`` input = the role's
ARN), every inline policy the plan attaches to that role (``aws:iam/rolePolicy:RolePolicy`` whose
``role`` is the role's name, and the role's own ``inlinePolicies``) and any managed policy
attachment (which this check cannot read, so it fails).

``runtime_requests`` lists the calls the Lambda service makes with the execution role, not the
handler, each from AWS's documentation:

* CloudWatch Logs: ``logs:CreateLogStream`` and ``logs:PutLogEvents`` on the function's log group
  (Lambda developer guide, "Defining Lambda function permissions with an execution role":
  AWSLambdaBasicExecutionRole; "Sending Lambda function logs to CloudWatch Logs");
* X-Ray, with active tracing: ``xray:PutTraceSegments`` and ``xray:PutTelemetryRecords`` on ``*``
  (Lambda developer guide, "Visualize Lambda function invocations using AWS X-Ray":
  AWSXRayDaemonWriteAccess);
* a VPC function's ENIs: the five ``ec2`` actions of AWSLambdaVPCAccessExecutionRole;
* asynchronous invocation records: ``sqs:SendMessage`` / ``sns:Publish`` / ``lambda:InvokeFunction`` /
  ``events:PutEvents`` on an on-failure or on-success destination or a dead-letter target (Lambda
  developer guide, "Capturing records of Lambda asynchronous invocations": the execution role
  needs permission to send to the destination).

``implied_requests`` adds what a service asks KMS for on the caller's behalf: a ``SendMessage`` to
an SSE-KMS queue needs ``kms:GenerateDataKey`` and ``kms:Decrypt`` on the queue's key (SQS developer
guide, "Key management"), a ``GetSecretValue`` of a secret with a customer-managed key needs
``kms:Decrypt`` on it (Secrets Manager user guide, "Secret encryption and decryption").

``assert_contract`` then checks both ways: (a) every request is allowed by the exact documents,
(b) every (action, resource) an Allow statement grants is used by some request. For the runtime's
calls only the action counts in (b): the log stream Lambda writes is named at run time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cutover.plan.model import Plan, PlannedResource
from tests.contract.iam_rules import AuthzRequest, allowed, moto_agrees, statement_matches, statements

FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENTS = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
               "aws:iam/policyAttachment:PolicyAttachment")
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
QUEUE = "aws:sqs/queue:Queue"
SECRET = "aws:secretsmanager/secret:Secret"
KEY = "aws:kms/key:Key"

LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
XRAY_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")
ENI_ACTIONS = ("ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
               "ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses")
# Destination ARN service -> what Lambda calls on it (Lambda developer guide, async destinations).
DESTINATION_ACTIONS = {"sqs": "sqs:SendMessage", "sns": "sns:Publish", "lambda": "lambda:InvokeFunction",
                       "events": "events:PutEvents"}
QUEUE_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
# Lambda names a function's log streams YYYY/MM/DD/[version]<id> (Lambda developer guide, "Sending
# Lambda function logs to CloudWatch Logs"): a representative one.
LOG_STREAM = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef"


@dataclass
class PlannedFunction:
    plan: Plan
    function: PlannedResource
    role: PlannedResource
    documents: list[str]
    region: str
    account: str
    runtime: list[AuthzRequest] = field(default_factory=list)

    @property
    def environment(self) -> dict[str, str]:
        return dict(((self.function.inputs.get("environment") or {}).get("variables")) or {})

    @property
    def name(self) -> str:
        return str(self.function.outputs["name"])


def code_path(fn: PlannedResource) -> str | None:
    """The directory or zip a planned function's code archive reads (``functions/health``)."""
    code = fn.inputs.get("code")
    path = getattr(code, "path", None)
    if path is None and hasattr(code, "assets"):
        # An AssetArchive (handler files plus installed drivers): the project directory its
        # relative file assets come from; absolute paths are the drivers from site-packages.
        dirs = {str(Path(a.path).parent) for a in dict(code.assets).values()
                if getattr(a, "path", None) and not Path(a.path).is_absolute()}
        path = dirs.pop() if len(dirs) == 1 else None
    return str(path).rstrip("/") if path else None


def planned_function(plan: Plan, logical_name: str) -> PlannedFunction:
    fn = plan.one(FUNCTION, logical_name)
    roles = [r for r in plan.of_type(ROLE) if r.outputs.get("arn") == fn.inputs["role"]]
    assert len(roles) == 1, f"{logical_name}: its role {fn.inputs['role']} is not exactly one planned role"
    role = roles[0]
    role_name = role.outputs.get("name") or role.id
    attached = [a for a in plan.of_type(*ATTACHMENTS)
                if a.inputs.get("role") == role_name or role_name in (a.inputs.get("roles") or [])]
    assert not attached and not role.inputs.get("managedPolicyArns"), (
        f"{logical_name}: managed policies on its role cannot be checked here: {attached}")
    documents = [str(p.inputs["policy"]) for p in plan.of_type(ROLE_POLICY) if p.inputs.get("role") == role_name]
    documents += [str(p["policy"]) for p in role.inputs.get("inlinePolicies") or [] if p.get("policy")]
    assert documents, f"{logical_name}: no policy on its role {role_name}"
    arn = str(fn.outputs["arn"]).split(":")
    planned = PlannedFunction(plan=plan, function=fn, role=role, documents=documents, region=arn[3],
                              account=arn[4])
    planned.runtime = runtime_requests(planned)
    return planned


def _queue_key(plan: Plan, queue_arn: str) -> str | None:
    for q in plan.of_type(QUEUE):
        if q.outputs.get("arn") == queue_arn:
            key = q.inputs.get("kmsMasterKeyId")
            return _key_arn(plan, str(key)) if key else None
    return None


def _key_arn(plan: Plan, key: str) -> str:
    for k in plan.of_type(KEY):
        if key in (k.outputs.get("arn"), k.outputs.get("keyId"), k.id):
            return str(k.outputs["arn"])
    return key  # an alias or an AWS-managed key: compared as written


def runtime_requests(pf: PlannedFunction) -> list[AuthzRequest]:
    fn, plan = pf.function.inputs, pf.plan
    out: list[AuthzRequest] = []
    group = (fn.get("loggingConfig") or {}).get("logGroup") or f"/aws/lambda/{pf.name}"
    stream = f"arn:aws:logs:{pf.region}:{pf.account}:log-group:{group}:log-stream:{LOG_STREAM}"
    out += [AuthzRequest(a, stream, "runtime: Lambda writes the function's logs") for a in LOG_ACTIONS]
    if (fn.get("tracingConfig") or {}).get("mode") == "Active":
        out += [AuthzRequest(a, "*", "runtime: Lambda sends X-Ray traces") for a in XRAY_ACTIONS]
    if (fn.get("vpcConfig") or {}).get("subnetIds"):
        out += [AuthzRequest(a, "*", "runtime: Lambda manages the VPC function's ENIs") for a in ENI_ACTIONS]
    targets = []
    if (fn.get("deadLetterConfig") or {}).get("targetArn"):
        targets.append(str(fn["deadLetterConfig"]["targetArn"]))
    for cfg in plan.of_type(INVOKE_CONFIG):
        if cfg.inputs.get("functionName") in (pf.name, pf.function.outputs.get("arn")):
            for dest in (cfg.inputs.get("destinationConfig") or {}).values():
                if dest and dest.get("destination"):
                    targets.append(str(dest["destination"]))
    for target in targets:
        action = DESTINATION_ACTIONS[target.split(":")[2]]
        request = AuthzRequest(action, target, "runtime: Lambda sends an asynchronous invocation record")
        out += [request, *implied_requests(plan, request)]
    return out


def implied_requests(plan: Plan, request: AuthzRequest) -> list[AuthzRequest]:
    if request.action == "sqs:SendMessage":
        key = _queue_key(plan, request.resource)
        if key:
            return [AuthzRequest(a, key, f"SQS on behalf of: {request.origin}") for a in QUEUE_KEY_ACTIONS]
    if request.action == "secretsmanager:GetSecretValue":
        for s in plan.of_type(SECRET):
            if s.outputs.get("arn") == request.resource and s.inputs.get("kmsKeyId"):
                return [AuthzRequest("kms:Decrypt", _key_arn(plan, str(s.inputs["kmsKeyId"])),
                                     f"Secrets Manager on behalf of: {request.origin}")]
    return []


def with_implied(plan: Plan, requests: Iterable[AuthzRequest]) -> list[AuthzRequest]:
    out: list[AuthzRequest] = []
    for r in requests:
        out += [r, *implied_requests(plan, r)]
    return out


def _grants(documents: Sequence[str]) -> list[tuple[Mapping[str, Any], str, str]]:
    """(statement, action pattern, resource pattern) for every Allow statement."""
    out = []
    for stmt in statements(documents):
        if stmt["Effect"] != "Allow":
            continue
        assert "Action" in stmt and "Resource" in stmt, f"NotAction/NotResource grants are not least privilege: {stmt}"
        actions = [stmt["Action"]] if isinstance(stmt["Action"], str) else stmt["Action"]
        resources = [stmt["Resource"]] if isinstance(stmt["Resource"], str) else stmt["Resource"]
        out += [(stmt, a, r) for a in actions for r in resources]
    return out


def unused_grants(pf: PlannedFunction, handler_requests: Sequence[AuthzRequest]) -> list[str]:
    """Direction (b): grants no handler or runtime request uses."""
    unused = []
    runtime_actions = {r.action.lower() for r in pf.runtime}
    for stmt, action, resource in _grants(pf.documents):
        single = {**stmt, "Action": [action], "Resource": [resource]}
        used = any(statement_matches(single, r) for r in handler_requests) or any(
            statement_matches({**single, "Resource": ["*"]}, r) for r in pf.runtime) or (
            action.lower() in runtime_actions)
        if not used:
            unused.append(f"{stmt.get('Sid', '?')}: {action} on {resource}")
    return unused


def denied(pf: PlannedFunction, requests: Sequence[AuthzRequest]) -> list[str]:
    """Direction (a): requests the documents do not allow."""
    return [str(r) for r in requests if not allowed(pf.documents, r)]


def assert_contract(pf: PlannedFunction, handler_requests: Sequence[AuthzRequest]) -> None:
    requests = with_implied(pf.plan, handler_requests)
    everything = [*requests, *pf.runtime]
    refused = denied(pf, everything)
    assert not refused, (f"{pf.function.name}: the plan's policy does not allow:\n  " + "\n  ".join(refused)
                         + f"\npolicy: {pf.documents}")
    for r in everything:  # moto's evaluator, where it is complete, must agree
        assert moto_agrees(pf.documents, r) in (None, True), f"moto's evaluator denies {r}"
    extra = unused_grants(pf, requests)
    assert not extra, (f"{pf.function.name}: the plan's policy grants what no scenario uses:\n  "
                       + "\n  ".join(extra))


def summary(requests: Iterable[AuthzRequest]) -> list[str]:
    """Distinct ``action on resource`` lines, for reports and failure messages."""
    return sorted({f"{r.action} on {r.resource}" for r in requests})


def json_doc(pf: PlannedFunction) -> list[dict[str, Any]]:
    return [json.loads(d) for d in pf.documents]


def translated(requests: Iterable[AuthzRequest], names: Mapping[str, str]) -> list[AuthzRequest]:
    """Requests with moto's identifiers (``names`` keys) replaced by the plan's (values)."""
    def swap(value: str) -> str:
        for moto_name, plan_name in names.items():
            value = value.replace(moto_name, plan_name)
        return value

    return [AuthzRequest(r.action, swap(r.resource), r.origin,
                         {k: tuple(swap(v) for v in vs) for k, vs in r.context.items()}) for r in requests]
