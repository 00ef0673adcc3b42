"""The data verifier as a shipped Lambda: ``functions/verifier`` in the VPC, next to the databases.

One ``DataVerifier`` per stack verifies every dataset of the data plan (preflight before a
migration, verify during it) and writes each dataset's receipt to SSM at
``namer.path("data", <dataset>, "receipt")`` — the parameters the writer-flip and retirement guards
read (format: ``functions/verifier/receipt.py``). The component does not create those parameters:
the Lambda's first ``verify`` does (PutParameter), so no placeholder that is not a receipt ever
exists, and a receipt outlives the stack that produced it (it is the evidence retirement relies on).

Code: the handler's directory plus its pure-Python drivers, pg8000 (with scramp, asn1crypto,
python-dateutil, six) and PyMySQL. Nothing is vendored in the repository: the archive maps each
driver's files, found through ``importlib.metadata`` in the environment that runs the program (the
project's pinned requirements), into the code root, where the handler imports them as top-level
packages. ``__pycache__`` is left out (bytecode of the deploying interpreter, not of the runtime), and
a compiled extension is refused because the function runs on another OS and architecture. The
component's ``codePackages`` property and the function's description list what ships, so the
offline plan shows it. boto3 comes with the Lambda runtime.

Network: the given private subnets and a security group of its own: no ingress; egress only to each
database's port (by security-group reference, which also admits the verifier on the database's
group, or by CIDR) and HTTPS (443) for the AWS APIs (Secrets Manager, SSM, DynamoDB: through the
DynamoDB gateway endpoint's prefix list when given, and ``https_cidr_blocks`` — NAT or interface
endpoints).

Role: exactly what ``functions/verifier/handler.py`` calls (see its docstring and core.py), plus what
the Lambda service does with the role (its log stream, X-Ray traces, the VPC function's ENIs):

* ``secretsmanager:GetSecretValue`` on every endpoint's secret; ``kms:Decrypt`` on a secret's
  customer-managed key, only through Secrets Manager (``kms:ViaService``);
* ``ssm:PutParameter`` on every receipt; ``ssm:GetParameter`` only on the receipts of DynamoDB-target
  datasets (the verify run reads the previous receipt for its high-water mark; PostgreSQL pairs
  compare everything and never read it);
* DynamoDB reads of the target tables: ``Scan`` (counts), ``BatchGetItem`` (items by key),
  ``DescribeTable`` (the indexes) on each table, ``Query`` only on its indexes (the GSI probes);
  ``kms:Decrypt`` on a table's customer-managed key through DynamoDB.

Schedule (optional, off by default): an EventBridge rule invoking ``{"mode": "verify"}`` on
``schedule_expression`` so receipts stay fresh while replication runs.
"""

from __future__ import annotations

import functools
import importlib.metadata as metadata
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import DeclaredAlarm, lambda_error_rate
from components.lambda_function import LambdaFunction, LambdaFunctionArgs, LambdaVpc
from cutover import iam
from cutover.naming import Kind, Namer

RUNTIME = "python3.12"
HANDLER = "handler.handler"
CODE_PATH = "functions/verifier"
# The drivers the handler imports (core.connect_postgres / connect_mysql); their own requirements
# are followed through the installed distributions' metadata.
DRIVERS = ("pg8000", "PyMySQL")
LAMBDA_TASK_ROOT = "/var/task"  # where Lambda extracts the code (Lambda developer guide, runtime env vars)
CERT_DIR = "certs"
HTTPS = 443
PAIRS = ("postgres->postgres", "mysql->dynamodb", "mysql->mysql")  # functions/verifier/receipt.py PAIRS
ATTRIBUTE_TYPES = ("S", "N")  # functions/verifier/mysql_dynamo.py ATTRIBUTE_TYPES
TABLE_READ_ACTIONS = ("dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:Scan")
INDEX_READ_ACTIONS = ("dynamodb:Query",)
MAX_TIMEOUT_SECONDS = 900  # Lambda's maximum
_DATASET = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class VerifiedDatabase:
    """One side of a dataset that is a PostgreSQL or MySQL-compatible database."""

    host: pulumi.Input[str]
    port: int
    database: str
    secret_arn: pulumi.Input[str]  # JSON with username and password (RDS format)
    secret_kms_key_arn: pulumi.Input[str] | None = None  # the secret's CMK, if not aws/secretsmanager
    security_group_id: pulumi.Input[str] | None = None  # the database's SG: the verifier is admitted by reference
    cidr_blocks: tuple[str, ...] = ()  # where it lives when there is no SG to reference (peered VPC)
    tls: bool = True
    ca_certificate_pem: str | None = None  # shipped in the code and used to verify the server (RDS CA)


@dataclass(frozen=True)
class VerifiedTable:
    """A MySQL table and the DynamoDB table of this stack it becomes (spec.py ``tables[]``)."""

    source: str  # schema.table on MySQL
    table_name: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    partition_key: str  # attribute names, among ``attributes``
    attributes: Mapping[str, tuple[str, str]]  # attribute -> (column, S | N)
    sort_key: str | None = None
    updated_at: str | None = None  # the source's last-modified column: verify every row changed since the last run
    kms_key_arn: pulumi.Input[str] | None = None  # the table's CMK, if not AWS owned/managed


@dataclass(frozen=True)
class VerifiedDataset:
    """PostgreSQL -> PostgreSQL or MySQL -> MySQL (``target``, by ``engine``), or MySQL -> DynamoDB (``tables``)."""

    dataset: str
    source: VerifiedDatabase
    target: VerifiedDatabase | None = None
    tables: tuple[VerifiedTable, ...] = ()
    schemas: tuple[str, ...] = ("public",)
    chunk_rows: int = 50_000
    sample_size: int = 200
    gsi_probes: int = 3
    lob_max_size_kb: int = 32  # the migration's limited-LOB size (DMS LobMaxSize)
    recheck_seconds: int = 30
    engine: str = "postgres"  # with a target: postgres (PostgreSQL -> PostgreSQL) | mysql (MySQL -> MySQL)

    @property
    def pair(self) -> str:
        if self.target is None:
            return "mysql->dynamodb"
        return "mysql->mysql" if self.engine == "mysql" else "postgres->postgres"


@dataclass(frozen=True)
class DataVerifierArgs:
    namer: Namer
    datasets: tuple[VerifiedDataset, ...]
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # private subnets
    region: str
    account_id: str
    https_cidr_blocks: tuple[str, ...] = ("0.0.0.0/0",)  # AWS APIs via NAT; the VPC CIDR with interface endpoints
    dynamodb_prefix_list_id: pulumi.Input[str] | None = None  # the DynamoDB gateway endpoint's prefix list
    schedule_expression: str | None = None  # e.g. "rate(1 hour)"; None: no schedule
    memory_mb: int = 512
    timeout_seconds: int = MAX_TIMEOUT_SECONDS
    log_retention_days: int = 14
    tags: dict[str, str] = field(default_factory=dict)


def validate(args: DataVerifierArgs) -> None:
    """What the handler's spec parser would refuse at run time, refused at plan time with the argument at fault."""
    if not args.datasets:
        raise ValueError("datasets: at least one dataset to verify")
    names = [d.dataset for d in args.datasets]
    for i, d in enumerate(args.datasets):
        p = f"datasets[{i}]"
        if not _DATASET.match(d.dataset):
            raise ValueError(f"{p}.dataset: {d.dataset!r} must be 1-40 of a-z, 0-9 and '-', starting with a letter")
        if names.count(d.dataset) > 1:
            raise ValueError(f"{p}.dataset: {d.dataset!r} appears twice")
        if (d.target is None) == (not d.tables):
            raise ValueError(f"{p}: give target (postgres->postgres) or tables (mysql->dynamodb), exactly one")
        for side, db in (("source", d.source), ("target", d.target)):
            if db is not None and not db.security_group_id and not db.cidr_blocks:
                raise ValueError(f"{p}.{side}: give security_group_id or cidr_blocks: the verifier's egress goes "
                                 "only to the database")
        if not d.schemas or not all(d.schemas):
            raise ValueError(f"{p}.schemas: a non-empty list of schema names")
        for j, t in enumerate(d.tables):
            tp = f"{p}.tables[{j}]"
            if t.source.count(".") != 1:
                raise ValueError(f"{tp}.source: expected schema.table, got {t.source!r}")
            for key, label in ((t.partition_key, "partition_key"), (t.sort_key, "sort_key")):
                if key and key not in t.attributes:
                    raise ValueError(f"{tp}.{label}: {key!r} is not among the attributes "
                                     f"({', '.join(t.attributes)})")
            for attr, (_, kind) in t.attributes.items():
                if kind not in ATTRIBUTE_TYPES:
                    raise ValueError(f"{tp}.attributes.{attr}: type {kind!r} (allowed: {' | '.join(ATTRIBUTE_TYPES)})")
    if len(args.subnet_ids) < 1:
        raise ValueError("subnet_ids: at least one private subnet")
    if not 1 <= args.timeout_seconds <= MAX_TIMEOUT_SECONDS:
        raise ValueError(f"timeout_seconds: {args.timeout_seconds} (allowed: 1..{MAX_TIMEOUT_SECONDS})")
    if not 128 <= args.memory_mb <= 10240:
        raise ValueError(f"memory_mb: {args.memory_mb} (allowed: 128..10240)")


# ── code archive ─────────────────────────────────────────────────────────────────────────────────

def _requirement_names(dist: metadata.Distribution) -> list[str]:
    """Unconditional requirements (no extras, no markers) by distribution name."""
    out = []
    for req in dist.requires or []:
        if ";" in req:
            continue  # an extra or an environment marker: not needed by the code paths the handler uses
        out.append(re.split(r"[\s<>=!~\[(]", req.strip(), maxsplit=1)[0])
    return out


def driver_files(roots: Sequence[str] = DRIVERS) -> tuple[dict[str, str], dict[str, Path]]:
    """({distribution: version}, {archive path: installed file}) for ``roots`` and their requirements."""
    versions, files = _installed_driver_files(tuple(roots))
    return dict(versions), dict(files)


@functools.cache
def _installed_driver_files(roots: tuple[str, ...]) -> tuple[dict[str, str], dict[str, Path]]:
    """Read once per process: what is installed does not change while a program runs, and every plan
    (each test's, each ``--diff`` side) would otherwise read the drivers' RECORD files again."""
    versions: dict[str, str] = {}
    files: dict[str, Path] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise ValueError(f"verifier code: {name} is not installed in this environment (requirements.txt "
                             "pins the verifier's drivers)") from None
        key = str(dist.metadata["Name"])
        if key in versions:
            continue
        versions[key] = dist.version
        pending.extend(_requirement_names(dist))
        for entry in dist.files or []:
            rel = PurePosixPath(str(entry))
            if rel.parts[0].endswith((".dist-info", ".egg-info")) or rel.parts[0] == ".." \
                    or "__pycache__" in rel.parts or rel.suffix in (".pyc",):
                continue
            if rel.suffix in (".so", ".pyd", ".dylib"):
                raise ValueError(f"verifier code: {key} ships a compiled extension ({rel}); the Lambda runs on "
                                 "another platform: use a pure-Python driver")
            files[str(rel)] = Path(str(dist.locate_file(entry)))
    return dict(sorted(versions.items())), dict(sorted(files.items()))


def handler_files(code_path: str = CODE_PATH) -> list[str]:
    root = Path(code_path)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def code_archive(certificates: Mapping[str, str], code_path: str = CODE_PATH) -> tuple[pulumi.AssetArchive,
                                                                                       dict[str, str]]:
    """The handler's files at the code root, the drivers beside them, and the CA bundles under certs/."""
    versions, files = driver_files()
    assets: dict[str, pulumi.Asset | pulumi.Archive] = {
        rel: pulumi.FileAsset(f"{code_path}/{rel}") for rel in handler_files(code_path)}
    clash = sorted(set(assets) & set(files))
    if clash:
        raise ValueError(f"verifier code: {clash[0]} is both a handler file and a driver file")
    assets.update({rel: pulumi.FileAsset(str(path)) for rel, path in files.items()})
    assets.update({f"{CERT_DIR}/{name}": pulumi.StringAsset(pem) for name, pem in sorted(certificates.items())})
    return pulumi.AssetArchive(assets), versions


# ── the handler's configuration ──────────────────────────────────────────────────────────────────

def _certificate_name(dataset: str, side: str) -> str:
    return f"{dataset}-{side}.pem"


def _endpoint(db: VerifiedDatabase, dataset: str, side: str, secret_arn: str, host: str) -> dict[str, Any]:
    out: dict[str, Any] = {"host": host, "port": db.port, "database": db.database, "secretArn": secret_arn,
                           "tls": db.tls}
    if db.ca_certificate_pem:
        out["caBundle"] = f"{LAMBDA_TASK_ROOT}/{CERT_DIR}/{_certificate_name(dataset, side)}"
    return out


def dataset_spec(d: VerifiedDataset, receipt_parameter: str, region: str,
                 resolved: Mapping[str, str]) -> dict[str, Any]:
    """One entry of ``DATASETS`` (functions/verifier/spec.py), with Outputs already resolved in ``resolved``."""
    spec: dict[str, Any] = {
        "dataset": d.dataset, "pair": d.pair, "receiptParameter": receipt_parameter,
        "source": _endpoint(d.source, d.dataset, "source", resolved[f"{d.dataset}/source/secret"],
                            resolved[f"{d.dataset}/source/host"]),
        "chunkRows": d.chunk_rows, "sampleSize": d.sample_size, "gsiProbes": d.gsi_probes,
        "lobMaxSizeKb": d.lob_max_size_kb, "recheckSeconds": d.recheck_seconds}
    if d.target is not None:
        spec["target"] = _endpoint(d.target, d.dataset, "target", resolved[f"{d.dataset}/target/secret"],
                                   resolved[f"{d.dataset}/target/host"])
        spec["schemas"] = list(d.schemas)
    else:
        spec["target"] = {"region": region}
        spec["tables"] = [
            {"source": t.source, "target": resolved[f"{d.dataset}/tables/{j}/name"], "partitionKey": t.partition_key,
             "sortKey": t.sort_key, "updatedAt": t.updated_at,
             "attributes": {a: {"column": c, "type": k} for a, (c, k) in t.attributes.items()}}
            for j, t in enumerate(d.tables)]
    return spec


def parameter_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:ssm:{region}:{account_id}:parameter/{name.lstrip('/')}"


def verifier_statements(*, region: str, account_id: str, secrets: Sequence[str],
                    secret_keys: Sequence[str], receipts_written: Sequence[str], receipts_read: Sequence[str],
                    table_arns: Sequence[str], table_keys: Sequence[str]) -> list[dict[str, Any]]:
    """Exactly the handler's calls (module docstring); resources are plain strings. Logs, X-Ray and the
    VPC function's ENIs: the Lambda building block (components/lambda_function.py)."""
    stmts = [iam.statement(["secretsmanager:GetSecretValue"], sorted(set(secrets)), sid="DatabaseCredentials"),
             iam.statement(["ssm:PutParameter"], [parameter_arn(region, account_id, p)
                                                  for p in sorted(set(receipts_written))], sid="WriteReceipts")]
    if secret_keys:
        stmts.append(iam.statement(["kms:Decrypt"], sorted(set(secret_keys)), sid="DecryptSecrets", condition={
            "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}}))
    if receipts_read:
        stmts.append(iam.statement(["ssm:GetParameter"], [parameter_arn(region, account_id, p)
                                                          for p in sorted(set(receipts_read))], sid="ReadReceipts"))
    if table_arns:
        tables = sorted(set(table_arns))
        stmts.append(iam.statement(TABLE_READ_ACTIONS, tables, sid="ReadTargetTables"))
        stmts.append(iam.statement(INDEX_READ_ACTIONS, [f"{t}/index/*" for t in tables], sid="QueryTargetIndexes"))
    if table_keys:
        stmts.append(iam.statement(["kms:Decrypt"], sorted(set(table_keys)), sid="DecryptTables", condition={
            "StringEquals": {"kms:ViaService": f"dynamodb.{region}.amazonaws.com"}}))
    return stmts


class DataVerifier(pulumi.ComponentResource):
    """The verifier Lambda, its network, role, logs and optional schedule."""

    function: aws.lambda_.Function
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    receipt_parameters: dict[str, str]  # dataset -> SSM parameter name
    code_packages: dict[str, str]  # distribution -> version shipped with the handler

    def __init__(self, name: str, args: DataVerifierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        validate(args)
        certificates = {_certificate_name(d.dataset, side): db.ca_certificate_pem
                        for d in args.datasets for side, db in (("source", d.source), ("target", d.target))
                        if db is not None and db.ca_certificate_pem}
        archive, versions = code_archive(certificates)
        receipts = {d.dataset: args.namer.path("data", d.dataset, "receipt") for d in args.datasets}
        # The props show in the offline plan (JSON): what ships with the handler, where receipts go.
        super().__init__("cutover:data:DataVerifier", name, {
            "codeRoot": CODE_PATH, "codePackages": versions, "receiptParameters": receipts,
            "schedule": args.schedule_expression}, opts)
        self.code_packages, self.receipt_parameters = versions, receipts
        namer = args.namer
        fn_name = namer.name(Kind.LAMBDA_FUNCTION, "verifier")

        sg = self._security_group(name, args)
        self.security_group_id = sg.id
        # Invoked by its schedule (asynchronously) and by operators: a run that fails is repeated at the
        # next schedule, and the receipt it did not write keeps the writer where it is, so no failure
        # destination (cutover/data_guard.py refuses to move on a stale receipt).
        lam = LambdaFunction(f"{name}-fn", LambdaFunctionArgs(
            function_name=fn_name, role_name=namer.name(Kind.IAM_ROLE, "verifier"),
            role_description=f"Lambda {fn_name}: compares blue's and green's copies, writes receipts",
            code=archive, runtime=RUNTIME, handler=HANDLER, memory_mb=args.memory_mb,
            timeout_seconds=args.timeout_seconds, log_retention_days=args.log_retention_days,
            vpc=LambdaVpc(list(args.subnet_ids), [sg.id]), asynchronous=bool(args.schedule_expression),
            failure_destination=False,
            environment={"DATASETS": self._datasets_json(args)}, statements=self._statements(args),
            description=(f"{namer.prefix} data verifier: {CODE_PATH} + "
                         + ", ".join(f"{k} {v}" for k, v in versions.items()))[:256],
            tags=args.tags), parent=self)
        self.function = lam.function
        self.function_name, self.function_arn = self.function.name, self.function.arn
        if args.schedule_expression:
            self._schedule(name, args)
        self.register_outputs({
            "functionName": self.function_name, "functionArn": self.function_arn,
            "securityGroupId": self.security_group_id, "receiptParameters": self.receipt_parameters,
            "codePackages": self.code_packages})

    def monitoring_alarms(self) -> list[DeclaredAlarm]:
        """An error-rate alarm: a verifier that fails writes no receipt, and the cleanup path waits on one."""
        return [lambda_error_rate("verifier", self.function_name)]

    # ── pieces ───────────────────────────────────────────────────────────────────────────────────

    def _security_group(self, name: str, args: DataVerifierArgs) -> aws.ec2.SecurityGroup:
        child = pulumi.ResourceOptions(parent=self)
        sg_name = args.namer.name(Kind.SECURITY_GROUP, "verifier")
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", name=sg_name, vpc_id=args.vpc_id, tags={**args.tags, "Name": sg_name},
            description="data verifier: no ingress; egress to the databases' ports and HTTPS to AWS APIs",
            opts=child)
        seen: set[str] = set()
        for d in args.datasets:
            for side, db in (("source", d.source), ("target", d.target)):
                if db is None:
                    continue
                key = f"{d.dataset}-{side}"
                if db.security_group_id is not None:
                    aws.vpc.SecurityGroupEgressRule(
                        f"{name}-to-{key}", security_group_id=sg.id, ip_protocol="tcp", from_port=db.port,
                        to_port=db.port, referenced_security_group_id=db.security_group_id,
                        description=f"to {d.dataset}'s {side} database", opts=child)
                    aws.vpc.SecurityGroupIngressRule(
                        f"{name}-{key}-from-verifier", security_group_id=db.security_group_id, ip_protocol="tcp",
                        from_port=db.port, to_port=db.port, referenced_security_group_id=sg.id,
                        description="from the data verifier", opts=child)
                for cidr in db.cidr_blocks:
                    rule = f"{cidr}:{db.port}"
                    if rule in seen:
                        continue
                    seen.add(rule)
                    aws.vpc.SecurityGroupEgressRule(
                        f"{name}-to-{key}-{cidr}", security_group_id=sg.id, ip_protocol="tcp", from_port=db.port,
                        to_port=db.port, cidr_ipv4=cidr, description=f"to {d.dataset}'s {side} database",
                        opts=child)
        if args.dynamodb_prefix_list_id is not None:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-to-dynamodb", security_group_id=sg.id, ip_protocol="tcp", from_port=HTTPS, to_port=HTTPS,
                prefix_list_id=args.dynamodb_prefix_list_id, description="to DynamoDB (gateway endpoint)",
                opts=child)
        for cidr in args.https_cidr_blocks:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-https-{cidr}", security_group_id=sg.id, ip_protocol="tcp", from_port=HTTPS, to_port=HTTPS,
                cidr_ipv4=cidr, description="HTTPS to AWS APIs (Secrets Manager, SSM, DynamoDB)", opts=child)
        return sg

    @staticmethod
    def _inputs(args: DataVerifierArgs) -> dict[str, pulumi.Input[str]]:
        """Every Output the configuration and policy depend on, keyed by where it is used."""
        out: dict[str, pulumi.Input[str]] = {}
        for d in args.datasets:
            for side, db in (("source", d.source), ("target", d.target)):
                if db is None:
                    continue
                out[f"{d.dataset}/{side}/secret"] = db.secret_arn
                out[f"{d.dataset}/{side}/host"] = db.host
                if db.secret_kms_key_arn is not None:
                    out[f"{d.dataset}/{side}/secretKey"] = db.secret_kms_key_arn
            for j, t in enumerate(d.tables):
                out[f"{d.dataset}/tables/{j}/name"] = t.table_name
                out[f"{d.dataset}/tables/{j}/arn"] = t.table_arn
                if t.kms_key_arn is not None:
                    out[f"{d.dataset}/tables/{j}/key"] = t.kms_key_arn
        return out

    def _datasets_json(self, args: DataVerifierArgs) -> pulumi.Output[str]:
        inputs = self._inputs(args)
        keys = list(inputs)

        def render(values: list[Any]) -> str:
            resolved = dict(zip(keys, (str(v) for v in values), strict=True))
            return json.dumps([dataset_spec(d, self.receipt_parameters[d.dataset], args.region, resolved)
                               for d in args.datasets], separators=(",", ":"), sort_keys=True)

        return pulumi.Output.all(*inputs.values()).apply(render)

    def _statements(self, args: DataVerifierArgs) -> pulumi.Output[list[dict[str, Any]]]:
        inputs = self._inputs(args)
        keys = list(inputs)

        def render(values: list[Any]) -> list[dict[str, Any]]:
            resolved = dict(zip(keys, (str(v) for v in values), strict=True))

            def pick(suffix: str) -> list[str]:
                return [v for k, v in resolved.items() if k.endswith(suffix)]

            return verifier_statements(
                region=args.region, account_id=args.account_id,
                secrets=pick("/secret"), secret_keys=pick("/secretKey"),
                receipts_written=list(self.receipt_parameters.values()),
                receipts_read=[self.receipt_parameters[d.dataset] for d in args.datasets
                               if d.pair == "mysql->dynamodb"],
                table_arns=pick("/arn"), table_keys=pick("/key"))

        return pulumi.Output.all(*inputs.values()).apply(render)

    def _schedule(self, name: str, args: DataVerifierArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        rule = aws.cloudwatch.EventRule(
            f"{name}-schedule", name=args.namer.name(Kind.LAMBDA_FUNCTION, "verifier", "schedule"),
            schedule_expression=args.schedule_expression,
            description="keeps the verification receipts fresh while replication runs", tags=args.tags, opts=child)
        aws.cloudwatch.EventTarget(f"{name}-schedule", rule=rule.name, arn=self.function.arn,
                                   input=json.dumps({"mode": "verify"}), opts=child)
        aws.lambda_.Permission(f"{name}-schedule", action="lambda:InvokeFunction", function=self.function.name,
                               principal="events.amazonaws.com", source_arn=rule.arn, opts=child)
