"""The offline plan's import loader (postponed annotations for the provider SDK) changes no plan.

``cutover.plan.fastimport`` runs ``pulumi_aws`` compiled with postponed annotations; its claim is
that nothing a plan reads depends on annotations being evaluated at import. These tests hold it to
that: the same stacks planned in a process with the loader and in this one (which imports the SDK
the ordinary way) give the same registrations, inputs, outputs and options; and the loader's cache
is keyed so that a changed source or a missing entry falls back to the ordinary import.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cutover.plan import fastimport
from tests import conftest
from tests.conftest import PROFILES, ROOT, planned


def _canonical(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Registration order depends on when each awaited input resolves, and the SDK gathers each
    resource's dependencies in a set (string hashes differ per process): compare both as sets."""
    rows = [{**r, "dependencies": sorted(r["dependencies"])} for r in resources]
    return sorted(rows, key=lambda r: (r["urn"], json.dumps(r, sort_keys=True, default=repr)))


def _plain(plan: Any) -> list[dict[str, Any]]:
    rows = [json.loads(json.dumps(dataclasses.asdict(r), sort_keys=True, default=_stable)) for r in plan]
    return _canonical(rows)


def _stable(value: Any) -> str:
    # An asset or archive prints with its address: compare what it is, not where it lives.
    path = getattr(value, "path", None)
    return f"{type(value).__name__}({path})" if path is not None else type(value).__name__


# The child imports only what a plan imports (not this module: pytest, moto and hypothesis through
# tests.conftest cost a third of a second), so ``_stable`` is handed to it as source.
_CHILD = """
import dataclasses, json, sys
from cutover.plan import fastimport
assert fastimport.install(cache=__import__("pathlib").Path(sys.argv[1]))
from cutover.plan.engine import run_program
from cutover.plan.project import load_stack
from typing import Any
_STABLE
out = {}
for profile in sys.argv[2:]:
    plan = run_program(load_stack("prod", sets=[f"profile={profile}"]))
    out[profile] = [json.loads(json.dumps(dataclasses.asdict(r), sort_keys=True, default=_stable)) for r in plan]
assert any(type(f).__name__ == "_Finder" for f in sys.meta_path)
out["compiled"] = fastimport.missed
print(json.dumps(out))
""".replace("_STABLE\n", inspect.getsource(_stable))


def _run_child(cache: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(cache), *PROFILES], cwd=ROOT, capture_output=True,
                          text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _with_loader() -> dict[str, Any]:
    cache = fastimport.cache_dir()  # the plan command's own cache: current entries are not compiled again
    for profile in PROFILES:  # the ordinary plans (shared with the tests below) import what a plan needs
        planned("prod", f"profile={profile}")
    fastimport.compile_modules(_sdk_modules(), cache)
    result = _run_child(cache)
    if result["compiled"]:
        # This process may hold plans another xdist worker computed (tests.conftest shares them), so
        # it need not have imported every module a plan needs: compile what the child missed, and
        # the second run must then load every one of them from the cache (asserted below).
        fastimport.compile_modules(result["compiled"], cache)
        result = _run_child(cache)
    return result


@pytest.fixture(scope="module")
def with_loader() -> dict[str, Any]:
    """The plans made under the loader, in a child process: computed once per session even when
    xdist runs this module's tests on both workers (through the session's shared plan cache)."""
    shared = conftest._plan_cache
    key = ("fastimport-child", *PROFILES)
    return shared.get_or_plan(key, _with_loader) if shared else _with_loader()


def _sdk_modules() -> list[str]:
    """The provider modules this process imported: the ones a plan needs."""
    return sorted(name for name in sys.modules if name == "pulumi_aws" or name.startswith("pulumi_aws."))


def test_the_loader_ran_from_its_cache(with_loader: dict[str, Any]) -> None:
    assert with_loader["compiled"] == [], "modules missing from the cache were imported the ordinary way"


@pytest.mark.parametrize("profile", PROFILES)
def test_plans_are_the_same_with_and_without_the_loader(with_loader: dict[str, Any], profile: str) -> None:
    ordinary = _plain(planned("prod", f"profile={profile}"))
    assert _canonical(with_loader[profile]) == ordinary


def test_postponed_annotations_are_not_evaluated_at_import(tmp_path: Path) -> None:
    pkg = tmp_path / "annpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    # An annotation naming something that does not exist: evaluated at import it raises NameError.
    (pkg / "mod.py").write_text("def f(x: Undefined) -> None:\n    return None\nVALUE = 1\n")
    cache = tmp_path / "cache"
    finder = fastimport._Finder(("annpkg",), cache)
    sys.path.insert(0, str(tmp_path))
    sys.meta_path.insert(0, finder)
    try:
        with pytest.raises(NameError):  # not in the cache yet: the ordinary import, eager annotations
            __import__("annpkg.mod")
        assert "annpkg.mod" in fastimport.missed
        for name in ("annpkg", "annpkg.mod"):
            sys.modules.pop(name, None)
        assert fastimport.compile_modules(["annpkg", "annpkg.mod"], cache) == 2
        module = __import__("annpkg.mod", fromlist=["VALUE"])
        assert module.VALUE == 1
        assert module.f.__annotations__ == {"x": "Undefined", "return": "None"}
        # A changed source invalidates its entry: the next import is the ordinary one again.
        sys.modules.pop("annpkg.mod", None)
        (pkg / "mod.py").write_text("def f(x: Undefined) -> None:\n    return None\nVALUE = 22\n")
        assert fastimport.cached_code("annpkg.mod", str(pkg / "mod.py"), cache) is None
    finally:
        sys.meta_path.remove(finder)
        sys.path.remove(str(tmp_path))
        for name in ("annpkg", "annpkg.mod"):
            sys.modules.pop(name, None)
        fastimport.missed.clear()


def test_install_refuses_once_the_sdk_is_imported() -> None:
    import pulumi_aws  # noqa: F401  (the ordinary way, as every test process does)

    assert fastimport.install() is False
    assert not any(isinstance(f, fastimport._Finder) for f in sys.meta_path)


def test_one_background_compiler_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl

    cache = tmp_path / "cutover-bytecode"
    assert fastimport._compiler_running(cache) is False  # nobody holds the lock
    with open(fastimport._lock_path(cache), "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a compiler at work
        assert fastimport._compiler_running(cache) is True
        started: list[list[str]] = []
        monkeypatch.setattr(fastimport, "cache_dir", lambda: cache)
        monkeypatch.setattr(fastimport.subprocess, "Popen", lambda cmd, **_: started.append(cmd))
        monkeypatch.setattr(fastimport, "missed", ["pulumi_aws.wafv2"])
        monkeypatch.delenv("CUTOVER_PLAN_BYTECODE", raising=False)
        fastimport.compile_missed_later()
        assert started == []  # the running compiler is left to finish; a later run compiles the rest
    fastimport.compile_missed_later()
    assert started == [[sys.executable, "-m", "cutover.plan.fastimport", "pulumi_aws.wafv2"]]


def _package(root: Path, name: str, files: dict[str, str]) -> None:
    pkg = root / name
    pkg.mkdir()
    for file, text in files.items():
        (pkg / file).write_text(text)


def test_a_package_imports_its_star_modules_on_first_use(tmp_path: Path) -> None:
    """The generated package shape (``from .module import *`` per resource and for ``_inputs``; ``outputs``
    imported as a module): each name resolves to the object the star import would bind, a later module
    winning a clash as it would, and a module loads only when one of its names is first read."""
    _package(tmp_path, "lazypkg", {
        "__init__.py": "from .alpha import *\nfrom .beta import *\nfrom ._inputs import *\nfrom . import outputs\n",
        "alpha.py": "__all__ = ['Alpha', 'Shared']\nclass Alpha: pass\nShared = 'alpha'\n",
        "beta.py": "__all__ = ['Beta', 'Shared']\nclass Beta: pass\nShared = 'beta'\n",
        "_inputs.py": "__all__ = ['AlphaArgs']\nclass AlphaArgs: pass\n",
        "outputs.py": "class Out: pass\n",
    })
    cache = tmp_path / "cache"
    finder = fastimport._Finder(("lazypkg",), cache)
    sys.path.insert(0, str(tmp_path))
    sys.meta_path.insert(0, finder)
    try:
        assert fastimport.compile_modules(["lazypkg", "lazypkg.alpha", "lazypkg.beta", "lazypkg._inputs",
                                           "lazypkg.outputs"], cache) == 5
        pkg = __import__("lazypkg")
        assert "lazypkg.outputs" in sys.modules  # `from . import outputs` stays as generated
        assert not {"lazypkg._inputs", "lazypkg.alpha", "lazypkg.beta"} & set(sys.modules)
        assert pkg.AlphaArgs.__name__ == "AlphaArgs"
        assert pkg.AlphaArgs is sys.modules["lazypkg._inputs"].AlphaArgs
        assert pkg.Alpha is sys.modules["lazypkg.alpha"].Alpha
        assert "lazypkg.beta" not in sys.modules
        assert pkg.Shared == "beta"  # the later star import wins, as it does eagerly
        assert pkg.Beta is sys.modules["lazypkg.beta"].Beta
        with pytest.raises(AttributeError, match="Missing"):
            pkg.Missing  # noqa: B018
    finally:
        sys.meta_path.remove(finder)
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "lazypkg" or m.startswith("lazypkg.")]:
            sys.modules.pop(name)
        fastimport.missed.clear()


def test_a_package_of_another_shape_keeps_its_code(tmp_path: Path) -> None:
    """No literal ``__all__`` in a star-imported module, or a ``__getattr__`` of its own: left as written."""
    _package(tmp_path, "p1", {"__init__.py": "from .a import *\n", "a.py": "X = 1\n"})
    own_getattr = "from .a import *\ndef __getattr__(name):\n    raise AttributeError(name)\n"
    _package(tmp_path, "p2", {"__init__.py": own_getattr, "a.py": "__all__ = ['X']\nX = 1\n"})
    assert fastimport.lazy_package_source(tmp_path / "p1" / "__init__.py") is None
    assert fastimport.lazy_package_source(tmp_path / "p2" / "__init__.py") is None
