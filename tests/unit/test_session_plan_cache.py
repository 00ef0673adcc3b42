"""The plans the test workers share (``tests.conftest.SessionPlanCache``): one worker plans a configuration,
the other reads it, and nothing is served once the project's files change. The policy verdicts on a shared
plan are shared the same way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cutover.plan.engine import ByIdentity
from cutover.plan.model import Plan
from cutover.plan.project import load_stack
from tests import conftest
from tests.conftest import SessionPlanCache, _source_signature


def _project(root: Path) -> Path:
    for rel, text in {"__main__.py": "print('program')\n", "components/a.py": "A = 1\n",
                      "profiles/p.yaml": "app: p\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _touch(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))  # mtime certainly moves


@pytest.mark.parametrize("rel", ["components/a.py", "profiles/p.yaml", "__main__.py", "profiles/new.yaml"])
def test_a_change_a_plan_can_read_changes_the_signature(tmp_path: Path, rel: str) -> None:
    root = _project(tmp_path)
    before = _source_signature(root)
    _touch(root / rel, "changed: 2\n")
    assert _source_signature(root) != before


@pytest.mark.parametrize("rel", [".hypothesis/examples/0a1b/2c3d", ".git/index", ".venv/x.py",
                                 "components/__pycache__/a.cpython-311.pyc", "tests/test_x.py"])
def test_what_the_session_itself_writes_leaves_the_signature(tmp_path: Path, rel: str) -> None:
    """The property tests write their example database while the session runs: counted, each worker took a
    different signature and the two never shared a plan."""
    root = _project(tmp_path)
    before = _source_signature(root)
    _touch(root / rel, "written by the session\n")
    assert _source_signature(root) == before


def test_the_second_worker_reads_what_the_first_planned(tmp_path: Path) -> None:
    root, shared = _project(tmp_path / "project"), tmp_path / "session"
    shared.mkdir()
    first, second = SessionPlanCache(shared, root), SessionPlanCache(shared, root)
    computed: list[str] = []

    def compute() -> Plan:
        computed.append("planned")
        return Plan(project="p", stack="dev", resources=[], stack_outputs={"n": len(computed)})

    key = ("p", "dev", "{}")
    assert first.get_or_plan(key, compute).stack_outputs == {"n": 1}
    _touch(root / ".hypothesis" / "examples" / "x", "an example")  # the session goes on writing
    assert second.get_or_plan(key, compute).stack_outputs == {"n": 1}
    assert computed == ["planned"]
    assert second.get_or_plan(("p", "prod", "{}"), compute).stack_outputs == {"n": 2}  # another key plans


def test_a_failed_plan_is_not_kept(tmp_path: Path) -> None:
    cache = SessionPlanCache(tmp_path, _project(tmp_path / "project"))

    def fail() -> Plan:
        raise RuntimeError("the program refused")

    for _ in range(2):  # planned again, failing again: never served from the cache
        with pytest.raises(RuntimeError, match="refused"):
            cache.get_or_plan(("p", "dev", "{}"), fail)
    assert not list(tmp_path.glob("*.pickle"))


def test_verdicts_on_a_shared_plan_are_evaluated_once_per_session(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker remembers the verdicts it read (``verdicts_of``); the verdicts on a plan ``plan_of`` shares
    are evaluated by one worker and read by the other, and a plan a test made itself is evaluated where it is."""
    monkeypatch.setattr(conftest, "_plan_cache", SessionPlanCache(tmp_path, _project(tmp_path / "project")))
    monkeypatch.setattr(conftest, "_PLANS", {})  # this worker's real plans stay out of it (and it out of them)
    monkeypatch.setattr(conftest, "run_program", lambda settings, ssm_parameters=None: Plan(
        project=settings.project, stack=settings.stack, resources=[], stack_outputs={}))
    evaluated: list[str] = []

    def evaluate(plan: Plan, stack: str) -> dict[str, int]:
        evaluated.append(stack)
        return {"evaluation": len(evaluated)}

    monkeypatch.setattr(conftest, "_evaluate", evaluate)
    shared = conftest.plan_of(load_stack("dev", sets=["profile=pos-serverless", "greenWeight=0"]))
    first, second = (ByIdentity(conftest._evaluate_once_per_session) for _ in range(2))  # one memo per worker
    assert first(shared, "dev") == second(shared, "dev") == {"evaluation": 1}
    assert first(shared, "prod") == {"evaluation": 2}  # the pack's settings for another stack: evaluated too
    own = Plan(project="cutover", stack="dev", resources=[], stack_outputs={})
    assert first(own, "dev") == {"evaluation": 3} and second(own, "dev") == {"evaluation": 4}
    assert evaluated == ["dev", "prod", "dev", "dev"]
