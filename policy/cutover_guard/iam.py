"""IAM and resource-based permissions: admin statements, managed policies, Lambda permissions and URLs."""

from __future__ import annotations

import re
from typing import Any, Final

from pulumi_policy import ReportViolation, ResourceValidationArgs, StackValidationArgs

from cutover_guard._util import (
    as_str,
    get,
    is_unknown,
    items,
    of_type,
    parse_document,
    refers_to,
    resource_policy,
    stack_policy,
    statements,
    str_list,
)

ROLE_TYPE: Final = "aws:iam/role:Role"
DOC_TYPES: Final = ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy",
                    "aws:iam/groupPolicy:GroupPolicy")
ATTACHMENT_TYPES: Final = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                           "aws:iam/policyAttachment:PolicyAttachment",
                           "aws:iam/userPolicyAttachment:UserPolicyAttachment",
                           "aws:iam/groupPolicyAttachment:GroupPolicyAttachment")
LAMBDA_PERMISSION_TYPE: Final = "aws:lambda/permission:Permission"
FUNCTION_URL_TYPE: Final = "aws:lambda/functionUrl:FunctionUrl"

ADMIN_POLICY_SUFFIX: Final = ":policy/AdministratorAccess"
AWS_MANAGED_PREFIX: Final = "arn:aws:iam::aws:policy/"
DEFAULT_ALLOWED_AWS_MANAGED: Final = [
    "service-role/AWSLambdaBasicExecutionRole", "service-role/AWSLambdaVPCAccessExecutionRole",
    "service-role/AmazonECSTaskExecutionRolePolicy", "AWSXRayDaemonWriteAccess",
]
DEFAULT_RESOURCE_WILDCARD_ACTIONS: Final = [
    "xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData", "ecr:GetAuthorizationToken",
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
]


def _documents(args: ResourceValidationArgs) -> list[tuple[str, dict[str, Any] | None]]:
    """(label, parsed document) for every identity policy the resource declares."""
    if args.resource_type == ROLE_TYPE:
        out = []
        for p in items(get(args.props, "inlinePolicies")):
            out.append((f"inline policy {get(p, 'name') or '?'}", parse_document(get(p, "policy"))))
        return out
    return [("policy", parse_document(get(args.props, "policy")))]


def _no_admin_statements(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for label, doc in _documents(args):
        for s in statements(doc):
            if s.get("Effect") != "Allow":
                continue
            actions, resources = str_list(s.get("Action")), str_list(s.get("Resource"))
            if any(a in ("*", "*:*") for a in actions) and "*" in resources:
                report(f"{label} allows Action '*' on Resource '*' (full administrator access).", None)


iam_no_admin_statements = resource_policy(
    "iam-no-admin-statements", "IAM policies must not allow '*' actions on '*' resources.",
    [*DOC_TYPES, ROLE_TYPE], _no_admin_statements)


def _managed_arns(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type == ROLE_TYPE:
        return [a for a in items(get(args.props, "managedPolicyArns")) if isinstance(a, str)]
    arn = as_str(get(args.props, "policyArn"))
    return [arn] if arn else []


def _no_admin_managed(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for arn in _managed_arns(args):
        if arn.endswith(ADMIN_POLICY_SUFFIX):
            report(f"AdministratorAccess must not be attached ({arn}).", None)


iam_no_admin_managed_policy = resource_policy(
    "iam-no-admin-managed-policy", "The AdministratorAccess managed policy must not be attached.",
    [*ATTACHMENT_TYPES, ROLE_TYPE], _no_admin_managed)


def _no_aws_managed(args: ResourceValidationArgs, report: ReportViolation) -> None:
    allowed = set(args.get_config().get("allowed", DEFAULT_ALLOWED_AWS_MANAGED))
    for arn in _managed_arns(args):
        if arn.startswith(AWS_MANAGED_PREFIX) and arn[len(AWS_MANAGED_PREFIX):] not in allowed:
            report(f"AWS managed policy {arn} is broader than needed; use a customer managed policy.", None)


iam_no_aws_managed_policies = resource_policy(
    "iam-no-aws-managed-policies",
    "Roles should use customer managed policies instead of AWS managed ones (allow-list configurable).",
    [*ATTACHMENT_TYPES, ROLE_TYPE], _no_aws_managed,
    config={"allowed": {"type": "array", "items": {"type": "string"}, "default": DEFAULT_ALLOWED_AWS_MANAGED}})


def _no_wildcards(args: ResourceValidationArgs, report: ReportViolation) -> None:
    ok_actions = set(args.get_config().get("resourceWildcardActions", DEFAULT_RESOURCE_WILDCARD_ACTIONS))
    for label, doc in _documents(args):
        for s in statements(doc):
            if s.get("Effect") != "Allow":
                continue
            actions, resources = str_list(s.get("Action")), str_list(s.get("Resource"))
            wild = [a for a in actions if "*" in a]
            if wild:
                report(f"{label} uses wildcard actions {wild}.", None)
            elif "*" in resources and not set(actions) <= ok_actions:
                report(f"{label} grants {sorted(set(actions) - ok_actions)} on Resource '*'.", None)


iam_no_wildcard_permissions = resource_policy(
    "iam-no-wildcard-permissions",
    "IAM policies should not use wildcard actions, nor Resource '*' outside actions that require it.",
    [*DOC_TYPES, ROLE_TYPE], _no_wildcards,
    config={"resourceWildcardActions": {"type": "array", "items": {"type": "string"},
                                        "default": DEFAULT_RESOURCE_WILDCARD_ACTIONS}})


_SECRET_RESOURCE: Final = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:(?P<rest>.*)$")


def _secret_exact(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Secrets Manager appends a hyphen and six random characters to every secret name in its ARN; its user
    guide matches that suffix in identity policies with ``-??????``. A ``*`` in a secret's ARN also matches
    every secret whose name merely starts the same (``stripe-key*`` covers ``stripe-key-admin``)."""
    for label, doc in _documents(args):
        for s in statements(doc):
            if s.get("Effect") != "Allow":
                continue
            for resource in str_list(s.get("Resource")):
                match = _SECRET_RESOURCE.match(resource)
                if match and "*" in match.group("rest"):
                    report(f"{label} grants {sorted(str_list(s.get('Action')))} on '{resource}': a '*' in a secret "
                           "ARN matches other secrets; use the full ARN or '<name>-??????'.", None)


iam_secret_arn_exact = resource_policy(
    "iam-secret-arn-exact",
    "Secrets Manager ARNs in IAM policies name one secret: the full ARN or '<name>-??????', never '*'.",
    [*DOC_TYPES, ROLE_TYPE], _secret_exact)


_ROLE_PROP: Final = {
    "aws:iam/policyAttachment:PolicyAttachment": "roles",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "role",
    "aws:iam/rolePolicy:RolePolicy": "role",
}


def _role_conflicts(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    # Only roles that define policies themselves can conflict: look for those first (linear), then match the
    # attachments against them, instead of every attachment against every role.
    roles = [(role, keys) for role in of_type(resources, ROLE_TYPE)
             if (keys := [k for k in ("managedPolicyArns", "inlinePolicies") if items(get(role.props, k))])]
    if not roles:
        return
    for r in of_type(resources, *_ROLE_PROP):
        prop = _ROLE_PROP[r.resource_type]
        for role, keys in roles:
            if not refers_to(r, role, prop, ("name", "id")):
                continue
            for key in keys:
                report(f"{r.resource_type.rsplit(':', 1)[-1]} '{r.name}' manages policies of role '{role.name}', "
                       f"which also defines {key}: the two will fight over the role.", r.urn)


iam_role_no_policy_conflicts = stack_policy(
    "iam-role-no-policy-management-conflicts",
    "Roles that define managedPolicyArns/inlinePolicies must not also get RolePolicy/RolePolicyAttachment.",
    _role_conflicts)


def _permission_principal(args: ResourceValidationArgs, report: ReportViolation) -> None:
    principal = get(args.props, "principal")
    if principal == "*":
        report("Lambda permission grants invoke to Principal '*'; name the service or account.", None)


lambda_permission_no_public = resource_policy(
    "lambda-permission-no-public", "Lambda permissions must not use a wildcard principal.",
    [LAMBDA_PERMISSION_TYPE], _permission_principal)


def _permission_source(args: ResourceValidationArgs, report: ReportViolation) -> None:
    principal = as_str(get(args.props, "principal"))
    if not principal or not principal.endswith(".amazonaws.com"):
        return
    arn, account = get(args.props, "sourceArn"), get(args.props, "sourceAccount")
    if is_unknown(arn) or is_unknown(account) or arn or account:
        return
    report(f"Permission for service principal {principal} has no sourceArn/sourceAccount (confused deputy).", None)


lambda_permission_source_arn = resource_policy(
    "lambda-permission-source-arn",
    "Lambda permissions for AWS service principals should be scoped with sourceArn or sourceAccount.",
    [LAMBDA_PERMISSION_TYPE], _permission_source)


def _function_url_auth(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if get(args.props, "authorizationType") == "NONE":
        report("Lambda function URL has authorizationType NONE; use AWS_IAM (behind CloudFront OAC if public).", None)


lambda_url_auth = resource_policy(
    "lambda-url-auth", "Lambda function URLs must require IAM authentication.", [FUNCTION_URL_TYPE],
    _function_url_auth)

POLICIES: Final = [
    iam_no_admin_statements, iam_no_admin_managed_policy, iam_no_aws_managed_policies, iam_no_wildcard_permissions,
    iam_role_no_policy_conflicts, lambda_permission_no_public, lambda_permission_source_arn, lambda_url_auth,
    iam_secret_arn_exact,
]
