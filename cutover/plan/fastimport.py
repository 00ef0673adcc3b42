"""Import the generated provider SDK without evaluating its type annotations (offline plan only).

Where the offline plan's time went (``python -X importtime`` and ``cProfile`` on
``python -m cutover.plan prod --profile pos-serverless``): over half of a warm run was importing
``pulumi_aws`` submodules, and most of that was not loading code but *building annotations*. The
generated modules (``wafv2/_inputs.py`` alone is 2.8 MB) declare every argument and property as
``Optional[pulumi.Input[Sequence[pulumi.Input['XArgs']]]]``; Python 3.11 evaluates each of those
expressions when the ``def`` runs: tens of thousands of ``typing`` generics, unions and forward
references that nothing reads during a plan.

This module installs a meta-path finder, for ``pulumi_aws`` modules only, whose loader runs them
compiled as if they began with ``from __future__ import annotations`` (PEP 563): annotations stay
strings until something asks for them. The Pulumi runtime does ask, for the output types it
resolves, through ``typing.get_type_hints``, which evaluates the strings in the module's own
namespace, so every type it reads is the same object as before. ``tests/unit/test_fastimport.py``
holds plans made with and without the loader against each other.

It is used only by the offline plan commands (``python -m cutover.plan``, ``cutover.plan.bench``).
The real program under ``pulumi preview``/``pulumi up`` imports the SDK the ordinary way, and nothing
here is written where an ordinary import would read it: the loader keeps its bytecode in a cache of
its own (``<venv>/cutover-bytecode``), keyed by the interpreter's magic number and the source file's
modification time and size, never in ``__pycache__``.

A module missing from that cache is imported the ordinary way (its usual ``.pyc``), so a first run is
never slower than an ordinary import; when the command ends, ``compile_missed_later`` hands the names
it missed to a detached ``python -m cutover.plan.fastimport`` that compiles them into the cache.
"""

from __future__ import annotations
import __future__

import fcntl
import importlib.abc
import importlib.machinery
import importlib.util
import marshal
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import CodeType, ModuleType

PACKAGES = ("pulumi_aws",)  # generated SDKs whose annotations nothing reads during a plan
_FLAGS = __future__.annotations.compiler_flag
_MAGIC = importlib.util.MAGIC_NUMBER
_HEADER = len(_MAGIC) + 16  # magic number, source mtime_ns (8 bytes), source size (8 bytes)
missed: list[str] = []  # modules this process imported the ordinary way (not yet in the cache)


def cache_dir() -> Path:
    """Beside the interpreter's own packages (``.venv/cutover-bytecode`` in the project's venv), or
    ``CUTOVER_PLAN_BYTECODE`` (the benchmark's cold run points it at an empty directory)."""
    return Path(os.environ.get("CUTOVER_PLAN_BYTECODE") or Path(sys.prefix) / "cutover-bytecode")


def _stamp(source: str) -> bytes:
    st = os.stat(source)
    return _MAGIC + st.st_mtime_ns.to_bytes(8, "little") + st.st_size.to_bytes(8, "little")


def cached_code(fullname: str, source: str, cache: Path) -> CodeType | None:
    """The module's postponed-annotation code from the cache, if it is there and current."""
    try:
        data = (cache / f"{fullname}.pyc").read_bytes()
    except OSError:
        return None
    if data[:_HEADER] != _stamp(source):
        return None
    code = marshal.loads(data[_HEADER:])
    return code if isinstance(code, CodeType) else None


def compile_into_cache(fullname: str, source: str, cache: Path) -> None:
    """Compile ``source`` with postponed annotations and store it atomically (concurrent runs are safe)."""
    stamp = _stamp(source)
    code = compile(Path(source).read_bytes(), source, "exec", flags=_FLAGS, dont_inherit=True)
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"{fullname}.pyc"
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    partial.write_bytes(stamp + marshal.dumps(code))
    os.replace(partial, target)


class _Loader(importlib.machinery.SourceFileLoader):
    """A source loader that prefers the cache's postponed-annotation code."""

    def __init__(self, fullname: str, path: str, cache: Path) -> None:
        super().__init__(fullname, path)
        self._cache = cache

    def get_code(self, fullname: str) -> CodeType:
        code = cached_code(fullname, self.get_filename(fullname), self._cache)
        if code is not None:
            return code
        missed.append(fullname)
        ordinary = super().get_code(fullname)  # the usual .pyc: eager annotations, same behaviour
        assert ordinary is not None  # a source loader always has code for a module it found
        return ordinary


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, packages: Sequence[str], cache: Path) -> None:
        self._packages = tuple(packages)
        self._prefixes = tuple(f"{p}." for p in packages)
        self._cache = cache

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self._packages and not fullname.startswith(self._prefixes):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader or spec.origin is None:
            return spec  # extension modules, namespace packages: the ordinary machinery
        spec.loader = _Loader(fullname, spec.origin, self._cache)
        return spec


def install(packages: Sequence[str] = PACKAGES, cache: Path | None = None) -> bool:
    """Put the finder first on ``sys.meta_path``; False (and nothing done) if a package is already imported.

    Must run before anything imports the SDK, or a package would be half one way and half the other:
    the plan commands call it before their other imports.
    """
    if any(p in sys.modules for p in packages) or any(isinstance(f, _Finder) for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, _Finder(packages, cache or cache_dir()))
    return True


def compile_missed_later() -> None:
    """Start a detached compiler for the modules this run missed; the command's own exit never waits.

    One compiler at a time: while one holds the cache's lock (plans run back to back, as CI runs them),
    the next run starts none, and the modules it missed are compiled by a later run."""
    if not missed or os.environ.get("CUTOVER_PLAN_BYTECODE") or not os.access(cache_dir().parent, os.W_OK):
        return  # nothing missed; a cache chosen by hand is filled by hand (compile_modules)
    if _compiler_running(cache_dir()):
        return
    subprocess.Popen([sys.executable, "-m", "cutover.plan.fastimport", *sorted(set(missed))],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True, close_fds=True)


def _lock_path(cache: Path) -> Path:
    return cache.parent / f".{cache.name}.lock"


def _compiler_running(cache: Path) -> bool:
    try:
        with open(_lock_path(cache), "a+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when the file closes
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def compile_modules(names: Iterable[str], cache: Path | None = None) -> int:
    """Compile each named module's source into the cache, unless its entry is current, without importing
    it; how many were written."""
    written = 0
    for name in names:
        spec = importlib.machinery.PathFinder.find_spec(name, _search_path(name))
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        try:
            if cached_code(name, spec.origin, cache or cache_dir()) is not None:
                continue
            compile_into_cache(name, spec.origin, cache or cache_dir())
            written += 1
        except (OSError, SyntaxError):
            continue  # the next run imports it the ordinary way again
    return written


def _search_path(name: str) -> list[str] | None:
    """Where ``name`` lives, found from its parent package's location without importing it."""
    parent, _, _ = name.rpartition(".")
    if not parent:
        return None
    parent_spec = importlib.machinery.PathFinder.find_spec(parent, _search_path(parent))
    locations = parent_spec.submodule_search_locations if parent_spec is not None else None
    return list(locations) if locations else None


if __name__ == "__main__":
    with open(_lock_path(cache_dir()), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            sys.exit(0)  # another compiler is at work
        compile_modules(sys.argv[1:])
