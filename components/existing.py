"""Store refs for stores that already exist outside the stack (``existing:`` in a profile).

No resource is registered for them: the stack does not own them, so nothing here can replace, archive or
delete them (the cleanup path only acts on resources the stack registered). Services get the same grants
as for a store of their own kind, scoped to the given ARN, or to the ARN derived from the name with the
stack's partition, region and account:

* S3 bucket: ``arn:<partition>:s3:::<bucket>`` (bucket ARNs carry no region or account), and ``/*`` for objects;
* DynamoDB table: ``arn:<partition>:dynamodb:<region>:<account>:table/<name>``, and ``/index/*``;
* SQS queue: ``arn:<partition>:sqs:<region>:<account>:<name>``;
* Secrets Manager secret: the full ARN when given; from a name, ``...:secret:<name>-??????``: Secrets Manager
  appends a hyphen and six random characters to every secret's ARN, and its user guide's identity-policy
  examples match that suffix with six ``?`` wildcards (never ``*``, which would also match ``<name>-other``);
* database: its secret (read) and, when it is reached from the VPC by CIDR, egress to it on its port.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pulumi

from components.dynamodb import READ_ACTIONS as TABLE_READ
from components.dynamodb import WRITE_ACTIONS as TABLE_WRITE
from components.errors import ComponentError
from components.refs import Access, StoreRef
from components.specs.existing import ExistingKind, ExistingStore, partition_of

# The same grants the stack's own stores give (components/secrets.py, components/storage.py): a test holds them equal.
SECRET_READ = ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret")
BUCKET_READ = ("s3:GetObject", "s3:ListBucket")
BUCKET_WRITE = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
# SSE-KMS with a customer managed key: reading needs kms:Decrypt, writing kms:GenerateDataKey (S3 user guide,
# "Using server-side encryption with AWS KMS keys"; Secrets Manager and SQS SSE: the same two on the key).
KMS_READ = ("kms:Decrypt",)
KMS_WRITE = ("kms:GenerateDataKey",)
DATABASE_READ = ("secretsmanager:GetSecretValue",)


def arn_of(store: ExistingStore, region: str, account_id: pulumi.Input[str]) -> pulumi.Input[str]:
    """The store's ARN as IAM matches it: as given, or derived from its name (see the module docstring)."""
    if store.arn is not None:
        return store.arn
    if store.kind is ExistingKind.DATABASE:  # granted through its secret
        return store.secret_arn
    p = partition_of(region)
    if store.kind is ExistingKind.BUCKET:
        return f"arn:{p}:s3:::{store.resource_name}"
    prefix = {ExistingKind.TABLE: ("dynamodb", "table/"), ExistingKind.QUEUE: ("sqs", ""),
              ExistingKind.SECRET: ("secretsmanager", "secret:")}
    service, kind_path = prefix[store.kind]
    suffix = "-??????" if store.kind is ExistingKind.SECRET else ""
    return pulumi.Output.concat(f"arn:{p}:{service}:{region}:", account_id,
                                f":{kind_path}{store.resource_name}{suffix}")


def existing_refs(stores: Iterable[ExistingStore], region: str, account_id: pulumi.Input[str],
                  taken: Mapping[str, StoreRef] | None = None) -> dict[str, StoreRef]:
    """``<kind>:<name>`` -> StoreRef for every existing store. ``taken``: the refs the stack's own stores
    already hold; an existing store with one of their keys is refused (services could not tell them apart)."""
    out: dict[str, StoreRef] = {}
    for s in stores:
        if s.ref_key in (taken or {}) or s.ref_key in out:
            raise ComponentError(s.config_path, f"{s.ref_key} is already a store of this stack; an existing store "
                                 "needs a ref name of its own", f"a name other than {s.name!r}")
        out[s.ref_key] = _ref(s, region, account_id)
    return out


def existing_summary(stores: Iterable[ExistingStore], region: str,
                     account_id: pulumi.Input[str]) -> dict[str, Any]:
    """What the plan lists under "existing": each ref with the ARN it is granted on (a database: its endpoint)."""
    return {s.ref_key: {"kind": s.kind.ref_kind, "managed": "existing",
                        "arn": arn_of(s, region, account_id),
                        **({"endpoint": f"{s.resource_name}:{s.port}", "engine": s.engine}
                           if s.kind is ExistingKind.DATABASE else {"name": s.resource_name})}
            for s in stores}


def _kms(store: ExistingStore, *, write: bool) -> tuple[tuple[str, ...], tuple[str, ...], list[pulumi.Input[str]]]:
    if store.kms_key_arn is None:
        return (), (), []
    return KMS_READ, (KMS_WRITE if write else ()), [store.kms_key_arn]


def _ref(s: ExistingStore, region: str, account_id: pulumi.Input[str]) -> StoreRef:
    arn = arn_of(s, region, account_id)
    env: Mapping[str, pulumi.Input[str]]
    if s.kind is ExistingKind.SECRET:
        kms_r, _, kms_arns = _kms(s, write=False)
        # The ARN when it is known; a name-only secret is read by name (GetSecretValue takes either).
        env = {f"{s.env_prefix}_SECRET_ARN": s.arn} if s.arn else {f"{s.env_prefix}_SECRET_NAME": s.resource_name}
        return StoreRef(key=s.ref_key, resource_arns=[arn, *kms_arns], read_actions=SECRET_READ + kms_r,
                        write_actions=(), env=env)
    if s.kind is ExistingKind.BUCKET:
        kms_r, kms_w, kms_arns = _kms(s, write=True)
        return StoreRef(key=s.ref_key, resource_arns=[arn, pulumi.Output.concat(arn, "/*"), *kms_arns],
                        read_actions=BUCKET_READ + kms_r, write_actions=BUCKET_WRITE + kms_w,
                        env={f"{s.env_prefix}_BUCKET": s.resource_name})
    if s.kind is ExistingKind.TABLE:
        return StoreRef(key=s.ref_key, resource_arns=[arn, pulumi.Output.concat(arn, "/index/*")],
                        read_actions=TABLE_READ, write_actions=TABLE_WRITE,
                        env={f"{s.env_prefix}_TABLE": s.resource_name})
    if s.kind is ExistingKind.QUEUE:
        return _queue_ref(s, arn, region, account_id)
    return StoreRef(  # DATABASE
        key=s.ref_key, resource_arns=[s.secret_arn], read_actions=DATABASE_READ, write_actions=(),
        env={f"{s.env_prefix}_DB_HOST": s.resource_name, f"{s.env_prefix}_DB_PORT": str(s.port),
             f"{s.env_prefix}_DB_NAME": s.database_name, f"{s.env_prefix}_DB_ENGINE": s.engine,
             f"{s.env_prefix}_DB_SECRET_ARN": s.secret_arn},
        in_vpc=bool(s.cidr_blocks), port=s.port, cidr_blocks=s.cidr_blocks)


def _queue_ref(s: ExistingStore, arn: pulumi.Input[str], region: str, account_id: pulumi.Input[str]) -> StoreRef:
    """A producer's capability only: ``send`` = ``sqs:SendMessage`` (with ``kms:GenerateDataKey`` and
    ``kms:Decrypt`` on a customer managed key: SQS developer guide, "Key management"). Receiving and deleting
    stay with the queue's owner: a consumer here needs an event source mapping configured on a queue this
    stack declares (``queues:``), so an existing queue offers no ``consume``."""
    kms_arns: list[pulumi.Input[str]] = [s.kms_key_arn] if s.kms_key_arn else []
    kms = ("kms:GenerateDataKey", "kms:Decrypt") if s.kms_key_arn else ()
    # The queue URL SendMessage takes: https://sqs.<region>.amazonaws.com/<account>/<name> (SQS API reference).
    account = s.arn.split(":")[4] if s.arn else account_id
    queue_region = s.arn.split(":")[3] if s.arn else region
    url = pulumi.Output.concat(f"https://sqs.{queue_region}.amazonaws.com/", account, f"/{s.resource_name}")
    return StoreRef(key=s.ref_key, resource_arns=[arn, *kms_arns], read_actions=(), write_actions=(),
                    env={f"{s.env_prefix}_QUEUE_URL": url},
                    capabilities={Access.SEND.value: ("sqs:SendMessage", *kms)})
