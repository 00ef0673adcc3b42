"""One writer per dataset at every stage, and nothing retired before its data is verified.

Pure logic (no ``pulumi`` import): the configuration decides which color writes each dataset
(``migrations.<ds>.writer``); this module refuses the configurations in which two colors could write
two copies of one dataset, and the writer flips and retirements that no verification receipt
supports. The program (``__main__``) calls it before anything registers.

Rules, and where they come from:

* **Routing.** Only the ALB front door can send a request to a color by its HTTP method (listener rule
  conditions ``http-request-method`` + ``path-pattern``, ELB user guide "Listener rules"): there, each
  service's write methods go to its datasets' writer at any weight, and the other color reads its copy.
  Route 53 weighted records and Lambda alias weights split every request alike, so there a copy is
  written by one color only if green, while blue is the writer and green takes requests, writes through
  to blue's database (``green_uses_source``: ``shared``, or a PostgreSQL copy blue writes; green moves
  onto its own copy at the flip), and the flip to green goes with ``greenWeight`` 100 on Route 53 (blue
  would otherwise keep writing its copy). A copy green cannot write through to (MySQL rows that become
  DynamoDB items) keeps ``greenWeight`` at 0 until the flip there.
* **Writer flip.** The deployment records each dataset's writer in SSM (``/<app>/<stack>/data/<ds>/
  writer``, written by the DataPlan). Moving it to green needs the dataset's latest receipt
  (``/<app>/<stack>/data/<ds>/receipt``, functions/verifier/receipt.py) to be clean (no mismatch, no
  truncated table), caught up (source and target counts equal in every table) and from a
  verification that started at or after ``writerSince`` (when blue stopped writing).
* **Retirement.** ``retire=blue`` needs every copied dataset written by green with such a receipt:
  the copy green keeps holds everything blue wrote before it stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cutover.config.migrations import Color, DatasetConfig, Method
from cutover.errors import ConfigError
from functions.verifier.receipt import Receipt, ReceiptError, parse_receipt, parse_time

WRITE_METHODS = ("DELETE", "PATCH", "POST", "PUT")  # RFC 9110 9.2.1: the methods that are not safe here
READONLY_SUFFIX = "_readonly"


class DataGuardError(ConfigError):
    """A stage, flip or retirement the data plan refuses (exit 2 from the CLI)."""


def readonly_user(app: str) -> str:
    """The database user the non-writer color connects as: ``<app>_readonly`` (created by the
    migration's setup step, docs/runbooks/data-migration.md); hyphens are not PostgreSQL/MySQL
    unquoted identifier characters."""
    return app.replace("-", "_") + READONLY_SUFFIX


def copied(datasets: Iterable[DatasetConfig]) -> list[DatasetConfig]:
    """Datasets with two copies (blue's and green's): ``dms`` and ``dump``."""
    return [d for d in datasets if d.method is not Method.SHARED]


# --- stages ---------------------------------------------------------------------------------------

def check_stage(datasets: Sequence[DatasetConfig], front_door: str, green_weight: int, retire: str,
                service_writes: Mapping[str, Sequence[str]] | None = None) -> None:
    """Refuse a weight at which a color that is not a dataset's writer would take its writes.

    ``front_door``: alb | route53 | alias | none. ``service_writes``: service -> store refs it
    writes (alb kind: a service's write requests go to one color, so its datasets share a writer).
    """
    targets = {d.target: d for d in datasets}
    for d in copied(datasets):
        if retire == "green" and d.writer is Color.GREEN:
            raise DataGuardError(f"migrations.{d.name}.writer", f"retire=green removes green, and dataset {d.name} "
                                 "is written by green: copy it back to blue first (docs/runbooks/promotion.md, "
                                 "reverse path)", "blue")
        if front_door in ("route53", "alias"):
            if d.writer is Color.GREEN and front_door == "route53" and green_weight < 100:
                raise DataGuardError(
                    "cutover:greenWeight",
                    f"greenWeight={green_weight} with dataset {d.name} written by green (method {d.method.value}): "
                    f"Route 53 weights cannot route writes, so blue (taking {100 - green_weight} % of requests) "
                    "would keep writing its own copy: two copies written at once",
                    f"greenWeight 100 with writer green, or migrations.{d.name}.writer: blue (green's services then "
                    "write blue's database until the flip), or frontDoor.kind alb")
            if d.writer is Color.BLUE and green_weight > 0 and not green_uses_source(d, front_door, green_weight):
                raise DataGuardError(
                    "cutover:greenWeight",
                    f"greenWeight={green_weight} with dataset {d.name} written by blue (method {d.method.value}): "
                    f"{front_door} weights cannot route writes, and green's services cannot write blue's "
                    f"{d.source.engine if d.source else 'store'} in place of {d.target}, so green would write a "
                    "second copy", f"greenWeight 0 until migrations.{d.name}.writer is green, or frontDoor.kind alb "
                    "(writes routed to blue)")
    if front_door == "alb" and service_writes:
        for svc, keys in sorted(service_writes.items()):
            colors = {targets[k].writer for k in keys if k in targets and targets[k].method is not Method.SHARED}
            if len(colors) > 1:
                names = ", ".join(f"{targets[k].name} ({targets[k].writer.value})" for k in sorted(keys)
                                  if k in targets)
                raise DataGuardError(f"services.{svc}.uses", f"{svc} writes datasets with different writers ({names}), "
                                     "and the alb front door sends each of its write requests to one color",
                                     "flip its datasets' writers together")


def green_uses_source(d: DatasetConfig, front_door: str, green_weight: int) -> bool:
    """Whether green's services reach blue's database in place of their own copy: always with ``shared``;
    with a copy written by blue where writes cannot be routed (route53, alias) and green's store is the
    same kind of database (PostgreSQL to PostgreSQL), so green's writes land in the one written copy
    while replication fills green's own, which green moves onto at the flip. The weight does not enter
    into it: green reaches the written copy from greenWeight 0 on, so its pre-traffic smoke tests run the
    path its first requests take, and a promotion changes weights only, never grants or network rules."""
    del green_weight  # kept in the signature: every caller states the stage it asks about
    if d.method is Method.SHARED:
        return True
    return (d.writer is Color.BLUE and front_door in ("route53", "alias")
            and d.target_kind == "database"
            and d.source is not None and d.source.engine == "postgres")


# --- receipts -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """What SSM holds for one dataset (None: no parameter)."""

    receipt: str | None = None
    writer: str | None = None  # the writer the last deployment recorded


def evidence(parameters: Mapping[str, str], path: str, names: Iterable[str]) -> dict[str, Evidence]:
    """``parameters`` (name -> value, from GetParametersByPath under ``path``) per dataset."""
    base = path.rstrip("/")
    return {n: Evidence(parameters.get(f"{base}/{n}/receipt"), parameters.get(f"{base}/{n}/writer")) for n in names}


def receipt_problem(d: DatasetConfig, value: str | None, parameter: str) -> str | None:
    """Why the receipt does not prove green holds everything blue wrote; None when it does."""
    if value is None:
        return f"no verification receipt at {parameter} (run the verifier: docs/runbooks/data-migration.md)"
    try:
        receipt = parse_receipt(value)
    except ReceiptError as exc:
        return f"the receipt at {parameter} is unreadable ({exc})"
    if receipt.dataset != d.name:
        return f"the receipt at {parameter} is for dataset {receipt.dataset!r}, not {d.name!r}"
    if not receipt.clean:
        bad = [t for t in receipt.tables if t.mismatches or t.truncated]
        examples = "; ".join(f"{t.name}: {t.mismatches} mismatches"
                             + (f" (e.g. {t.examples[0].kind} {t.examples[0].key})" if t.examples else "")
                             for t in bad[:3])
        return f"the receipt of {receipt.at} is not clean ({examples})"
    behind = [t for t in receipt.tables if t.source_count != t.target_count]
    if behind:
        return (f"the receipt of {receipt.at} shows replication behind ("
                + "; ".join(f"{t.name}: {t.source_count} rows on blue, {t.target_count} on green" for t in behind[:3])
                + ")")
    if not receipt.tables:
        return f"the receipt of {receipt.at} compared no table"
    return _since_problem(d, receipt)


def _since_problem(d: DatasetConfig, receipt: Receipt) -> str | None:
    if d.writer_since is None:
        return f"migrations.{d.name}.writerSince is not set"
    if parse_time(receipt.started_at) < parse_time(d.writer_since):
        return (f"the receipt's verification started at {receipt.started_at}, before blue stopped writing "
                f"(writerSince {d.writer_since}): writes after it are not proven copied")
    return None


def check_flips(datasets: Sequence[DatasetConfig], found: Mapping[str, Evidence], path: str) -> None:
    """Refuse moving a copied dataset's writer to green without a receipt that supports it."""
    for d in copied(datasets):
        if d.writer is not Color.GREEN or found.get(d.name, Evidence()).writer == Color.GREEN.value:
            continue
        parameter = f"{path.rstrip('/')}/{d.name}/receipt"
        problem = receipt_problem(d, found.get(d.name, Evidence()).receipt, parameter)
        if problem:
            raise DataGuardError(f"migrations.{d.name}.writer",
                                 f"moving dataset {d.name}'s writer to green is refused: {problem}",
                                 "blue until a clean, caught-up receipt started at or after writerSince exists")


def check_retirement(datasets: Sequence[DatasetConfig], found: Mapping[str, Evidence], path: str) -> None:
    """``retire=blue`` only when every copied dataset has a receipt that proves green holds its data."""
    for d in copied(datasets):
        if d.writer is Color.BLUE:
            raise DataGuardError("cutover:retire", f"retire=blue is refused: dataset {d.name} is still written by "
                                 "blue, whose copy would be the only one with its latest writes",
                                 f"none until migrations.{d.name}.writer is green (the flip, "
                                 "docs/runbooks/promotion.md)")
        parameter = f"{path.rstrip('/')}/{d.name}/receipt"
        problem = receipt_problem(d, found.get(d.name, Evidence()).receipt, parameter)
        if problem:
            raise DataGuardError("cutover:retire", f"retire=blue is refused: dataset {d.name}: {problem}",
                                 "none until every dataset has a clean receipt newer than its writer change")


# --- who writes which copy ------------------------------------------------------------------------

def blue_takes_writes(d: DatasetConfig, front_door: str, green_weight: int, blue_retired: bool) -> bool:
    """Whether write requests for ``d`` still reach blue's compute (which this stack does not grant:
    it runs outside the stack or reaches its database with its own credentials)."""
    if blue_retired:
        return False
    if d.method is Method.SHARED:  # one database: whichever color a request reaches writes it
        return green_weight < 100
    if front_door == "alb":  # write rules send every write to the writer
        return d.writer is Color.BLUE
    if front_door == "route53":
        return green_weight < 100
    return d.writer is Color.BLUE  # alias / none: blue is not routed here; the flip switches its user


def check_evidence(datasets: Sequence[DatasetConfig], retire: str, parameters: Mapping[str, str],
                   path: str) -> dict[str, str]:
    """The guards that read SSM (flips, retirement); returns dataset -> receipt for the archive."""
    found = evidence(parameters, path, (d.name for d in datasets))
    check_flips(datasets, found, path)
    if retire == "blue":
        check_retirement(datasets, found, path)
    return {name: e.receipt for name, e in found.items() if e.receipt is not None}
