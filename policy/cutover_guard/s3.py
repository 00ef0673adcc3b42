"""S3: public access blocks, public ACLs and policies, TLS-only policies, encryption, versioning, logging."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from pulumi_policy import PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs

from cutover_guard._util import (
    as_bool,
    as_str,
    get,
    is_unknown,
    items,
    of_type,
    parse_document,
    principals,
    refers_to,
    resource_policy,
    stack_policy,
    statements,
)

BUCKET_TYPES: Final = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
PAB_TYPE: Final = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE_TYPES: Final = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
POLICY_TYPE: Final = "aws:s3/bucketPolicy:BucketPolicy"
ACL_TYPES: Final = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
VERSIONING_TYPES: Final = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
LOGGING_TYPES: Final = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")

PAB_FLAGS: Final = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_CANNED_ACLS: Final = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GRANTEE_URIS: Final = ("http://acs.amazonaws.com/groups/global/AllUsers",
                              "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
# Condition keys that pin a "*" principal to a known caller, network or organisation.
RESTRICTING_CONDITION_KEYS: Final = frozenset(k.lower() for k in (
    "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:PrincipalOrgID", "aws:PrincipalAccount",
    "aws:PrincipalArn", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "aws:PrincipalOrgPaths",
    "aws:userid", "aws:username",
))
BUCKET_ID_PROPS: Final = ("id", "bucket")


# --- resource rules -------------------------------------------------------------------------------

def _pab_all_flags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    off = [f for f in PAB_FLAGS if as_bool(get(args.props, f)) is not True and not is_unknown(get(args.props, f))]
    if off:
        report(f"BucketPublicAccessBlock must set all four flags to true; not set: {', '.join(off)}.", None)


s3_public_access_block_flags = resource_policy(
    "s3-public-access-block-flags",
    "S3 public access blocks must enable blockPublicAcls, blockPublicPolicy, ignorePublicAcls and "
    "restrictPublicBuckets.",
    [PAB_TYPE], _pab_all_flags)


def _public_grants(acp: Any) -> list[str]:
    found = []
    for grant in items(get(acp, "grants")):
        uri = as_str(get(grant, "grantee", "uri"))
        if uri in PUBLIC_GRANTEE_URIS:
            found.append(f"{get(grant, 'permission')} to {uri.rsplit('/', 1)[-1]}")
    return found


def _no_public_acl(args: ResourceValidationArgs, report: ReportViolation) -> None:
    acl = as_str(get(args.props, "acl"))
    if acl in PUBLIC_CANNED_ACLS:
        report(f"Canned ACL '{acl}' makes the bucket public; use 'private' and bucket owner enforced ownership.", None)
    grants = _public_grants(get(args.props, "accessControlPolicy"))
    for grant in items(get(args.props, "grants")):  # Bucket's legacy inline grants
        if as_str(get(grant, "uri")) in PUBLIC_GRANTEE_URIS:
            grants.append(f"{get(grant, 'permissions')} to {str(get(grant, 'uri')).rsplit('/', 1)[-1]}")
    if grants:
        report(f"ACL grants access to everyone: {'; '.join(grants)}.", None)


s3_no_public_acl = resource_policy(
    "s3-no-public-acl", "S3 buckets must not grant public access through ACLs.",
    [*BUCKET_TYPES, *ACL_TYPES], _no_public_acl)


def _is_restricting(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for operands in condition.values():
        if isinstance(operands, dict) and any(str(k).lower() in RESTRICTING_CONDITION_KEYS for k in operands):
            return True
    return False


def public_statements(doc: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Allow statements to principal "*" without a condition that restricts who the caller is."""
    return [s for s in statements(doc)
            if s.get("Effect") == "Allow" and "*" in principals(s) and not _is_restricting(s.get("Condition"))]


def _no_public_policy(args: ResourceValidationArgs, report: ReportViolation) -> None:
    doc = parse_document(get(args.props, "policy"))
    bad = public_statements(doc)
    if bad:
        sids = ", ".join(str(s.get("Sid", f"#{i}")) for i, s in enumerate(bad))
        report(f"Bucket policy allows Principal '*' without a restricting condition (statements: {sids}).", None)


s3_no_public_policy = resource_policy(
    "s3-no-public-policy", "S3 bucket policies must not allow anonymous (Principal '*') access.",
    [POLICY_TYPE, *BUCKET_TYPES], _no_public_policy)


# --- stack rules (correlating buckets with their configuration resources) -------------------------

def is_tls_only(doc: Mapping[str, Any] | None) -> bool:
    for s in statements(doc):
        if s.get("Effect") != "Deny":
            continue
        cond = s.get("Condition")
        if not isinstance(cond, dict):
            continue
        for op, operands in cond.items():
            if not str(op).startswith("Bool") or not isinstance(operands, dict):
                continue
            for key, val in operands.items():
                vals = [str(v).lower() for v in (val if isinstance(val, list) else [val])]
                if str(key).lower() == "aws:securetransport" and "false" in vals:
                    return True
    return False


def _configs_for(bucket: PolicyResource, resources: list[PolicyResource],
                 types: tuple[str, ...]) -> list[PolicyResource]:
    return [r for r in of_type(resources, *types) if refers_to(r, bucket, "bucket", BUCKET_ID_PROPS)]


def _bucket_check(predicate: Callable[[PolicyResource, list[PolicyResource]], str | None]) -> Any:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = list(args.resources)
        for bucket in of_type(resources, *BUCKET_TYPES):
            problem = predicate(bucket, resources)
            if problem:
                report(f"Bucket '{bucket.name}': {problem}", bucket.urn)
    return validate


def _has_pab(bucket: PolicyResource, resources: list[PolicyResource]) -> str | None:
    if _configs_for(bucket, resources, (PAB_TYPE,)):
        return None
    return "no BucketPublicAccessBlock refers to this bucket."


s3_bucket_public_access_block = stack_policy(
    "s3-bucket-public-access-block", "Every S3 bucket must have a BucketPublicAccessBlock.",
    _bucket_check(_has_pab))


def _has_tls_only(bucket: PolicyResource, resources: list[PolicyResource]) -> str | None:
    inline = get(bucket.props, "policy")
    if is_unknown(inline) or is_tls_only(parse_document(inline)):
        return None
    for pol in _configs_for(bucket, resources, (POLICY_TYPE,)):
        raw = get(pol.props, "policy")
        if is_unknown(raw) or is_tls_only(parse_document(raw)):
            return None
    return "no bucket policy denies requests without aws:SecureTransport."


s3_tls_only = stack_policy(
    "s3-tls-only", "Every S3 bucket must have a policy that denies non-TLS requests (aws:SecureTransport false).",
    _bucket_check(_has_tls_only))


def _sse_ok(cfg: Any) -> bool:
    if is_unknown(cfg):
        return True
    for rule in items(get(cfg, "rules")) + items(get(cfg, "rule")):
        algo = get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
        if is_unknown(algo) or as_str(algo):
            return True
    return False


def _has_sse(bucket: PolicyResource, resources: list[PolicyResource]) -> str | None:
    inline = get(bucket.props, "serverSideEncryptionConfiguration")
    if inline is not None and _sse_ok(inline):
        return None
    if any(_sse_ok(c.props) for c in _configs_for(bucket, resources, SSE_TYPES)):
        return None
    return "no server-side encryption configuration refers to this bucket."


s3_encryption = stack_policy(
    "s3-encryption", "Every S3 bucket must declare default server-side encryption.", _bucket_check(_has_sse))


def _has_versioning(bucket: PolicyResource, resources: list[PolicyResource]) -> str | None:
    inline = get(bucket.props, "versioning", "enabled")
    if is_unknown(inline) or as_bool(inline):
        return None
    for v in _configs_for(bucket, resources, VERSIONING_TYPES):
        status = get(v.props, "versioningConfiguration", "status")
        if is_unknown(status) or status == "Enabled":
            return None
    return "versioning is not enabled."


s3_versioning = stack_policy(
    "s3-versioning", "S3 buckets should have versioning enabled.", _bucket_check(_has_versioning))


def _has_logging(bucket: PolicyResource, resources: list[PolicyResource]) -> str | None:
    if get(bucket.props, "logging") is not None or items(get(bucket.props, "loggings")):
        return None
    if _configs_for(bucket, resources, LOGGING_TYPES):
        return None
    # A bucket that receives other buckets' access logs is exempt (as in awsguard).
    for log in of_type(resources, *LOGGING_TYPES):
        if refers_to(log, bucket, "targetBucket", BUCKET_ID_PROPS):
            return None
    return "server access logging is not configured."


s3_access_logging = stack_policy(
    "s3-access-logging", "S3 buckets should have server access logging (log-target buckets exempt).",
    _bucket_check(_has_logging))

POLICIES: Final = [
    s3_public_access_block_flags, s3_no_public_acl, s3_no_public_policy, s3_bucket_public_access_block,
    s3_tls_only, s3_encryption, s3_versioning, s3_access_logging,
]
