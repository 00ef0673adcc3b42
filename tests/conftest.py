"""Shared fixtures: run the real program or a component under the mocked engine.

Each run starts from fresh mocks and a fresh root stack, so no state leaks between tests. Stack
plans are deterministic, so ``planned`` and ``plan_of`` compute each configuration once per session
and share it between the xdist workers (``SessionPlanCache``) to keep the suite fast.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import os
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from hypothesis import HealthCheck, settings

# The cyclic collector's default thresholds (700, 10, 10) run a full collection every few hundred
# thousand allocations; a test worker holds a large long-lived heap (the provider SDKs, moto's service
# models, cached plans), so each full pass costs about 0.3 s and frees little: on the handler and contract
# tests they were a fifth of the CPU. Young collections stay frequent; full ones become rare. Peak memory
# per worker grows by about a tenth.
if os.environ.get("CUTOVER_TEST_GC_THRESHOLDS", "1") == "1":
    gc.set_threshold(100_000, 50, 1000)

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "policy"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from cutover.plan.engine import ByIdentity, release_previous_run, run_callable, run_program  # noqa: E402
from cutover.plan.model import Plan  # noqa: E402
from cutover.plan.project import StackSettings, load_stack  # noqa: E402

# moto (the AWS API fake the handler and contract tests run against), configured for speed without
# changing what any test sees (moto's own settings, moto/settings.py and moto/core/config.py):
# * no default AMI catalogue: each fresh EC2 backend otherwise parses a large JSON file of public
#   images per region; no test here reads AMIs.
# * keep boto3's default session between mock_aws() blocks: moto resets it by default, and every new
#   session parses the service models again (ec2, elbv2, ssm, lambda...: most of a moto test's
#   time). Credentials stay moto's fake ones (it sets them in the environment for every block).
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
try:
    from moto.core.config import default_user_config as _moto_config
except ImportError:  # pragma: no cover - moto is in requirements.txt
    pass
else:
    _moto_config.setdefault("core", {})["reset_boto3_session"] = False

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
settings.load_profile("ci")

PROFILES = (
    "pos-serverless", "tracetrack-ecs", "yoga-serverless", "waiterix-serverless", "persona-serverless",
    # the next teams (issue 15): a Django + Celery app from Heroku, a Rails monolith from EC2
    "django-serverless", "rails-ecs",
)
STACKS = ("dev", "prod")


def _source_signature(root: Path = ROOT) -> str:
    """A digest of every file a plan can read (path, size, modification time): a plan cached under one
    signature is never served after the project changed, even within one session.

    Hidden folders are left out (``.git``, ``.venv``, and ``.hypothesis``, the example database the
    property tests write to while the session runs: counted, it gave each worker its own signature, so
    the workers never shared a plan), as are bytecode caches and the tests themselves.
    """
    digest = hashlib.sha256()
    skip = {"node_modules", "__pycache__", "tests"}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except FileNotFoundError:  # removed while we walk (another process edits the tree)
                continue
            digest.update(f"{os.path.relpath(path, root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


_T = TypeVar("_T")


class SessionPlanCache:
    """Plans (and other results as costly: the policy verdicts on a shared plan, the loader's child run)
    shared by every worker of ONE pytest session.

    ``pytest -n 2`` runs two processes, and both would plan the same stack configurations: the
    controller creates a directory for the session (handed to the workers), the first worker to need
    a configuration plans it under a file lock while the other waits, and both read the pickled plan.
    The directory is removed when the session ends, so nothing is ever served from an earlier run;
    the key includes a signature of the source tree taken when a worker first plans, so two workers
    that see different trees (a file saved while the session starts) never share a plan.
    Plans that fail are not stored: the caller plans again and sees the same error.
    """

    def __init__(self, directory: Path, root: Path = ROOT) -> None:
        self.directory = directory
        self.root = root
        self._signature: str | None = None

    def _path(self, key: tuple[str, ...]) -> Path:
        if self._signature is None:
            self._signature = _source_signature(self.root)
        name = hashlib.sha256(json.dumps([self._signature, *key]).encode()).hexdigest()[:24]
        return self.directory / name

    def get_or_plan(self, key: tuple[str, ...], compute: Callable[[], _T]) -> _T:
        path = self._path(key)
        data = path.with_suffix(".pickle")
        if data.exists():
            return cast(_T, pickle.loads(data.read_bytes()))
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one worker plans; the other waits, then reads
            try:
                if data.exists():
                    return cast(_T, pickle.loads(data.read_bytes()))
                plan = compute()
                partial = path.with_suffix(f".{os.getpid()}.tmp")
                partial.write_bytes(pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL))
                os.replace(partial, data)  # readers never see a half-written file
                return plan
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


PLAN_CACHE_OPTION = "cutover_plan_cache"  # the key in xdist's workerinput
_plan_cache: SessionPlanCache | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _plan_cache
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # an xdist worker: use the controller's directory
        directory = workerinput.get(PLAN_CACHE_OPTION)
        _plan_cache = SessionPlanCache(Path(directory)) if directory else None
        return
    path = Path(tempfile.mkdtemp(prefix="cutover-plans-"))
    config.stash[_CACHE_DIR] = path
    _plan_cache = SessionPlanCache(path)


_CACHE_DIR = pytest.StashKey[Path]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:  # xdist: runs in the controller for each worker it starts
    node.workerinput[PLAN_CACHE_OPTION] = str(node.config.stash[_CACHE_DIR])


def pytest_collection_finish(session: pytest.Session) -> None:
    """What exists once the tests are collected (the imported modules, the collected items) lives until the
    session ends: frozen, the collector never walks it again (a full pass over it took most of a second)."""
    gc.freeze()


@pytest.hookimpl(tryfirst=True)  # before pytest's unraisable-exception plugin unconfigures
def pytest_unconfigure(config: pytest.Config) -> None:
    directory = config.stash.get(_CACHE_DIR, None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
    # As the session ends, pytest's unraisable-exception check runs two full collections (one as it
    # unconfigures, one at cleanup) so that the finalizers of any cyclic garbage run and what they raise is
    # reported. In a worker each pass walks about a million long-lived objects (the provider SDK's modules,
    # moto's service models) for over a second. One pass here does that job: finalizers run now and the
    # plugin still reports what they raised; what survives it is alive, so freezing it (it is never freed
    # before the process exits anyway) makes the plugin's own passes cheap.
    planned.cache_clear()
    _PLANS.clear()
    verdicts_of.answers.clear()
    release_previous_run()
    gc.collect()
    gc.freeze()


@lru_cache(maxsize=64)
def planned(stack: str, *sets: str) -> Plan:
    """The plan of ``Pulumi.<stack>.yaml`` with ``--set`` style overrides, e.g. ``profile=yoga-serverless``.

    Planned once per session for all workers (``plan_of``) and once per worker in memory: tests must
    treat the plan as read-only, as they always have.
    """
    return plan_of(load_stack(stack, sets=list(sets)))


_PLANS: dict[tuple[str, ...], Plan] = {}  # this worker's plans by what the program reads, latest last
_PLANS_KEPT = 64


def plan_of(settings: StackSettings, ssm_parameters: Mapping[str, str] | None = None) -> Plan:
    """The plan of resolved stack settings and the SSM parameters the program reads (records, receipts).

    Keyed by everything a run reads (``run_program``'s arguments), not by how a test spelled it: the
    overrides ``greenWeight=0`` and none at all resolve to one configuration and share one plan.
    """
    key = (settings.project, settings.stack, json.dumps(settings.engine_config(), sort_keys=True),
           json.dumps(sorted(settings.secret_keys)), json.dumps(sorted((ssm_parameters or {}).items())))
    plan = _PLANS.pop(key, None)
    if plan is None:
        def compute() -> Plan:
            return run_program(settings, ssm_parameters=ssm_parameters)

        plan = _plan_cache.get_or_plan(key, compute) if _plan_cache else compute()
    _PLANS[key] = plan
    while len(_PLANS) > _PLANS_KEPT:
        del _PLANS[next(iter(_PLANS))]
    return plan


def _evaluate(plan: Plan, stack: str) -> Any:
    from cutover.plan import guard  # the pack's import is paid by the tests that evaluate it

    return guard.evaluate(plan, stack)


def _evaluate_once_per_session(plan: Plan, stack: str) -> Any:
    """The verdicts on a plan ``plan_of`` shares: evaluated by one worker, read by the other (as plans
    are); any other plan (one a test built or changed itself) is evaluated here."""
    key = next((k for k, kept in _PLANS.items() if kept is plan), None)  # at most _PLANS_KEPT to look through
    if key is None or _plan_cache is None:
        return _evaluate(plan, stack)
    return _plan_cache.get_or_plan(("verdicts", stack, *key), lambda: _evaluate(plan, stack))


# The policy pack's verdicts on a plan, evaluated once per plan object and stack in this worker, and once
# per session for the plans ``plan_of`` shares (several tests read the same plan's verdicts; they treat
# both as read-only, as they do plans).
verdicts_of = ByIdentity(_evaluate_once_per_session)


def plan_components(fn: Callable[[], None], **kwargs: object) -> Plan:
    """Register whatever ``fn`` builds under fresh mocks and return the recorded plan."""
    return run_callable(fn, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(params=[(p, s) for p in PROFILES for s in STACKS], ids=lambda ps: f"{ps[0]}-{ps[1]}")
def profile_plan(request: pytest.FixtureRequest) -> tuple[str, str, Plan]:
    profile, stack = request.param
    return profile, stack, planned(stack, f"profile={profile}")
