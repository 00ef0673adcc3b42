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

Package ``__init__`` files of ``pulumi_aws`` are also cached with their ``from .module import *``
lines made lazy (``lazy_package_source``): a plan then loads the few dozen resource modules it uses,
not every module of each service package it touches (about a tenth of a warm plan). The classes of
each service's ``_inputs`` and ``outputs`` modules (thousands per service, a plan reads a few dozen)
are created on first access (``lazy_classes_tree``, ``lazy_star_tree``), and the ``*ArgsDict``
TypedDicts without checking fields nothing reads (``typeddict_tree``): together about a sixth of a
warm plan. ``cutover.plan.typehints`` resolves the names those annotations use.

The project's own packages (``PLAIN``) go through the same cache with their ordinary compile flags
(same code as a normal import): Python writes no ``__pycache__`` when ``PYTHONDONTWRITEBYTECODE`` is
set, as on the CI and benchmark machines, and then every plan compiled the project's 120-odd modules
from source again, about a tenth of a warm plan.

It is used only by the offline plan commands (``python -m cutover.plan``, ``cutover.plan.bench``).
The real program under ``pulumi preview``/``pulumi up`` imports the SDK the ordinary way, and nothing
here is written where an ordinary import would read it: the loader keeps its bytecode in a cache of
its own (``<venv>/cutover-bytecode``), keyed by the interpreter's magic number and the source file's
modification time and size, never in ``__pycache__``.

A module missing from that cache is imported the ordinary way (its usual ``.pyc``), so a first run is
never slower than an ordinary import (a package ``__init__`` is made lazy even then: a few milliseconds
each); when the command ends, ``compile_missed_later`` hands the names it missed to a detached
``python -m cutover.plan.fastimport`` that compiles them into the cache.
"""

from __future__ import annotations
import __future__

import ast
import fcntl
import importlib.abc
import importlib.machinery
import importlib.util
import marshal
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import CodeType, ModuleType

PACKAGES = ("pulumi_aws",)  # generated SDKs whose annotations nothing reads during a plan
PLAIN = ("components", "cutover", "cutover_guard", "functions")  # the project: cached, compiled as usual
_FLAGS = __future__.annotations.compiler_flag
_MAGIC = importlib.util.MAGIC_NUMBER
# What this loader does to a module beyond the compile flags; a new value makes every older entry stale.
# 2: pulumi_aws package __init__ files import their resource modules lazily (lazy_package_source).
# 3: the ``*ArgsDict`` TypedDicts of pulumi_aws ``_inputs`` modules keep their fields unchecked (typeddict_tree).
# 4: classes of ``_inputs``/``outputs`` modules are created on first access (lazy_classes_tree), and nothing
#    star-imports ``_inputs`` any more (lazy_package_source, lazy_star_tree).
_FORMAT = (4).to_bytes(4, "little")
_HEADER = len(_MAGIC) + 20  # magic number, format, source mtime_ns (8 bytes), source size (8 bytes)
missed: list[str] = []  # modules this process imported the ordinary way (not yet in the cache)
missed_plain: list[str] = []  # the same for PLAIN packages


def cache_dir() -> Path:
    """Beside the interpreter's own packages (``.venv/cutover-bytecode`` in the project's venv), or
    ``CUTOVER_PLAN_BYTECODE`` (the benchmark's cold run points it at an empty directory)."""
    return Path(os.environ.get("CUTOVER_PLAN_BYTECODE") or Path(sys.prefix) / "cutover-bytecode")


def _stamp(source: str) -> bytes:
    st = os.stat(source)
    return _MAGIC + _FORMAT + st.st_mtime_ns.to_bytes(8, "little") + st.st_size.to_bytes(8, "little")


def _entry(fullname: str, cache: Path, plain: bool) -> Path:
    return cache / (f"{fullname}.plain.pyc" if plain else f"{fullname}.pyc")


def cached_code(fullname: str, source: str, cache: Path, plain: bool = False) -> CodeType | None:
    """The module's code from the cache (postponed annotations unless ``plain``), if there and current."""
    try:
        data = _entry(fullname, cache, plain).read_bytes()
    except OSError:
        return None
    if data[:_HEADER] != _stamp(source):
        return None
    code = marshal.loads(data[_HEADER:])
    return code if isinstance(code, CodeType) else None


def compile_into_cache(fullname: str, source: str, cache: Path, plain: bool = False) -> None:
    """Compile ``source`` (postponed annotations unless ``plain``) and store it atomically (concurrent
    runs are safe)."""
    stamp = _stamp(source)
    text: str | bytes | ast.Module = Path(source).read_bytes()
    if not plain:
        text = transformed(Path(source)) or text
    code = compile(text, source, "exec", flags=0 if plain else _FLAGS, dont_inherit=True)
    cache.mkdir(parents=True, exist_ok=True)
    target = _entry(fullname, cache, plain)
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    partial.write_bytes(stamp + marshal.dumps(code))
    os.replace(partial, target)


def transformed(path: Path) -> str | ast.Module | None:
    """What the loader runs instead of a provider module's own source, or None for the source as it is."""
    if path.name == "__init__.py":
        return lazy_package_source(path)
    if path.name in ("_inputs.py", "outputs.py"):
        return lazy_classes_tree(path)
    return lazy_star_tree(path)


def lazy_package_source(init: Path) -> str | None:
    """A generated package's ``__init__`` with its ``from .module import *`` lines made lazy (PEP 562).

    Each ``pulumi_aws`` service package imports every resource and data-source module it has (``ec2``
    alone over a hundred) so that ``aws.ec2.Vpc`` works; a plan uses a few dozen of the 1,500. Here the
    package maps each name those modules export (their ``__all__``, read from the source) to its module
    and imports the module on first access, binding the same object the star import would have bound.
    ``_inputs`` is one of those modules (its classes are created on first access too: lazy_classes_tree);
    ``_enums`` and ``outputs`` stay eager, as does everything else in the file. None (the ordinary code)
    when the file does not have that shape.
    """
    tree = ast.parse(init.read_bytes())
    lazy: dict[str, str] = {}
    kept: list[ast.stmt] = []
    for node in tree.body:
        if (isinstance(node, ast.ImportFrom) and node.level == 1 and node.module and len(node.names) == 1
                and node.names[0].name == "*" and (node.module == "_inputs" or not node.module.startswith("_"))):
            names = _exported(init.parent / f"{node.module}.py")
            if names is None:
                return None
            lazy.update(dict.fromkeys(names, node.module))  # a later star import wins, as it would
            continue
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            return None
        kept.append(node)
    if not lazy:
        return None
    tree.body = kept
    return ast.unparse(tree) + f"""

_LAZY_NAMES = {lazy!r}


def __getattr__(name):
    module = _LAZY_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
    import importlib
    value = getattr(importlib.import_module(f"{{__name__}}.{{module}}"), name)
    globals()[name] = value
    return value
"""


_FIELDS_HELPER = "_cutover_typeddict_fields"
_FIELDS_HELPER_SOURCE = f"""
def {_FIELDS_HELPER}(fields):
    def define(cls):
        optional = frozenset(key for key, hint in fields.items() if hint.startswith("NotRequired["))
        cls.__annotations__ = fields
        cls.__required_keys__ = frozenset(fields) - optional
        cls.__optional_keys__ = optional
        return cls
    return define
"""


def typeddict_tree(path: Path) -> ast.Module | None:
    """A generated ``_inputs`` module whose ``class XArgsDict(TypedDict)`` bodies declare no fields to check.

    Every input type has a ``TypedDict`` twin (``WebAclRuleArgsDict`` beside ``WebAclRuleArgs``) for type
    checkers; creating one runs ``typing._type_check`` on each field, which for a postponed annotation
    means compiling the string into a ``ForwardRef``: over two thousand classes and a tenth of a plan.
    Nothing at run time reads those fields (the SDK only asks ``typing.is_typeddict``, and serializes
    dict inputs by the resource's own ``*Args`` types), so here each such class is created without
    them and a decorator sets what a reader would look for: ``__annotations__`` (the annotation
    strings, as postponed evaluation leaves them) and the required and optional keys, read from
    ``NotRequired[...]`` as Python does. The classes stay TypedDicts with the same names, bases,
    docstrings and ``__total__``. None when the module has no such class.
    """
    tree = ast.parse(path.read_bytes())
    changed = False
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and not node.keywords and not node.decorator_list
                and len(node.bases) == 1 and isinstance(node.bases[0], ast.Name)
                and node.bases[0].id == "TypedDict"):
            continue
        fields: dict[str, str] = {}
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is None:
                fields[stmt.target.id] = ast.unparse(stmt.annotation)
            elif not isinstance(stmt, ast.Expr | ast.Pass):  # a field's docstring is a bare string
                break  # anything else: leave the class as it is
        else:
            first = node.body[0]
            docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            node.body = [first] if docstring else [ast.Pass()]  # the class's own docstring, if it has one
            node.decorator_list = [ast.Call(func=ast.Name(_FIELDS_HELPER, ast.Load()),
                                            args=[ast.parse(repr(fields), mode="eval").body], keywords=[])]
            changed = True
    if not changed:
        return None
    tree.body[:0] = ast.parse(_FIELDS_HELPER_SOURCE).body
    return ast.fix_missing_locations(tree)


_LAZY_CLASSES = "_cutover_lazy_classes"
_LAZY_CLASSES_FOOTER = f"""
import marshal as _cutover_marshal


def __getattr__(name):
    code = {_LAZY_CLASSES}.get(name)
    if code is None:
        raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
    exec(_cutover_marshal.loads(code), globals())
    del {_LAZY_CLASSES}[name]
    return globals()[name]


def __dir__():
    return sorted({{*globals(), *{_LAZY_CLASSES}}})
"""


def lazy_classes_tree(path: Path) -> ast.Module | None:
    """A generated ``_inputs`` or ``outputs`` module whose classes are created on first access (PEP 562).

    These modules hold every nested type of a service (``wafv2`` alone about 3,000 classes, each run
    through ``@pulumi.input_type``/``@pulumi.output_type`` and a property per field when the module
    runs); a plan reads a few dozen. Each class is compiled on its own, exactly as it stands at the
    top level of its module (same name, qualified name, line numbers, decorators, globals), kept as
    marshalled code, and run in the module's namespace the first time anything asks the module for
    it; the other statements run as before. The SDK asks for them by attribute (``outputs.WebAclRule``)
    or through the plan's type lookup (``cutover.plan.typehints``), which resolves a name the module
    has not created yet the same way. ``_inputs`` TypedDicts first go through ``typeddict_tree``.
    None when a class could depend on another at creation time (a base, decorator or keyword naming a
    class of the module) or a statement outside the classes names one: then the module stays eager.
    """
    tree = (typeddict_tree(path) if path.name == "_inputs.py" else None) or ast.parse(path.read_bytes())
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    if not classes or any(isinstance(node, ast.FunctionDef) and node.name in ("__getattr__", "__dir__")
                          for node in tree.body):
        return None
    names = {node.name for node in classes}
    for node in tree.body:
        heads = ([*node.bases, *node.keywords, *node.decorator_list] if isinstance(node, ast.ClassDef) else [node])
        for head in heads:
            if any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(head)):
                return None
    lazy: dict[str, bytes] = {}
    for node in classes:
        module = ast.Module(body=[node], type_ignores=[])
        lazy[node.name] = marshal.dumps(compile(module, str(path), "exec", flags=_FLAGS, dont_inherit=True))
    tree.body = [node for node in tree.body if not isinstance(node, ast.ClassDef)]
    tree.body.append(ast.Assign(targets=[ast.Name(_LAZY_CLASSES, ast.Store())],
                                value=ast.Dict(keys=[ast.Constant(k) for k in lazy],
                                               values=[ast.Constant(v) for v in lazy.values()])))
    tree.body.extend(ast.parse(_LAZY_CLASSES_FOOTER).body)
    return ast.fix_missing_locations(tree)


_STAR_INPUTS_FALLBACK = """
def __getattr__(name):
    from . import _inputs
    if name in _inputs.__all__:
        return getattr(_inputs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
"""


def lazy_star_tree(path: Path) -> ast.Module | None:
    """A resource module without its ``from ._inputs import *`` (which would create every class of
    ``_inputs`` at once): the names stay reachable as the module's attributes (PEP 562), and the plan's
    type lookup resolves the ones its annotations name. Nothing else in such a module reads them when it
    runs (its annotations are postponed strings). None for a module without that line."""
    source = path.read_bytes()
    if b"from ._inputs import *" not in source:
        return None
    tree = ast.parse(source)
    body: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            return None
        if not (isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == "_inputs"
                and [a.name for a in node.names] == ["*"]):
            body.append(node)
    tree.body = body + ast.parse(_STAR_INPUTS_FALLBACK).body
    return ast.fix_missing_locations(tree)


_ALL = re.compile(rb"^__all__ = (\[[^\]]*\])", re.MULTILINE)  # how generated modules spell it, at the top


def _exported(path: Path) -> list[str] | None:
    """A module's literal ``__all__`` (what ``import *`` binds), or None. Read by a pattern where the
    generated spelling allows (a hundredth of parsing the module: a package's lazy ``__init__`` reads one
    per module, e.g. 183 for ``ec2``), else from the parsed module."""
    if not path.is_file():
        return None
    data = path.read_bytes()
    match = _ALL.search(data)
    if match is not None:
        try:
            names = ast.literal_eval(match.group(1).decode())
        except (ValueError, SyntaxError, UnicodeDecodeError):
            names = None
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            return names
    for node in ast.parse(data).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            try:
                names = ast.literal_eval(node.value)
            except ValueError:
                return None
            return [str(n) for n in names]
    return None


class _Loader(importlib.machinery.SourceFileLoader):
    """A source loader that prefers the cache's code."""

    def __init__(self, fullname: str, path: str, cache: Path, plain: bool = False) -> None:
        super().__init__(fullname, path)
        self._cache = cache
        self._plain = plain

    def get_code(self, fullname: str) -> CodeType:
        code = cached_code(fullname, self.get_filename(fullname), self._cache, self._plain)
        if code is not None:
            return code
        (missed_plain if self._plain else missed).append(fullname)
        if not self._plain and self.is_package(fullname):
            # A first run still gets lazy package __init__ files (a few milliseconds each to make):
            # importing every module of ec2 or s3 eagerly was a fifth of a cold run.
            lazy = lazy_package_source(Path(self.get_filename(fullname)))
            if lazy is not None:
                return compile(lazy, self.get_filename(fullname), "exec", dont_inherit=True)
        ordinary = super().get_code(fullname)  # the usual .pyc: eager annotations, same behaviour
        assert ordinary is not None  # a source loader always has code for a module it found
        return ordinary


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, packages: Sequence[str], cache: Path, plain: Sequence[str] = ()) -> None:
        self._packages = tuple(packages)
        self._prefixes = tuple(f"{p}." for p in packages)
        self._plain = tuple(plain)
        self._plain_prefixes = tuple(f"{p}." for p in plain)
        self._cache = cache

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname in self._packages or fullname.startswith(self._prefixes):
            plain = False
        elif fullname in self._plain or fullname.startswith(self._plain_prefixes):
            plain = True
        else:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader or spec.origin is None:
            return spec  # extension modules, namespace packages: the ordinary machinery
        spec.loader = _Loader(fullname, spec.origin, self._cache, plain)
        return spec


def install(packages: Sequence[str] = PACKAGES, cache: Path | None = None, plain: Sequence[str] = PLAIN) -> bool:
    """Put the finder first on ``sys.meta_path``; False (and nothing done) if a package is already imported.

    Must run before anything imports the SDK, or a package would be half one way and half the other:
    the plan commands call it before their other imports. ``plain`` packages already imported (this
    module's own) simply stay as they are: their code is the same either way.
    """
    if any(p in sys.modules for p in packages) or any(isinstance(f, _Finder) for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, _Finder(packages, cache or cache_dir(), plain))
    return True


def compile_missed_later() -> None:
    """Start a detached compiler for the modules this run missed; the command's own exit never waits.

    One compiler at a time: while one holds the cache's lock (plans run back to back, as CI runs them),
    the next run starts none, and the modules it missed are compiled by a later run."""
    if (not (missed or missed_plain) or os.environ.get("CUTOVER_PLAN_BYTECODE")
            or not os.access(cache_dir().parent, os.W_OK)):
        return  # nothing missed; a cache chosen by hand is filled by hand (compile_modules)
    if _compiler_running(cache_dir()):
        return
    names = [*sorted(set(missed)), *(f"{_PLAIN_MARK}{name}" for name in sorted(set(missed_plain)))]
    subprocess.Popen([sys.executable, "-m", "cutover.plan.fastimport", *names],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True, close_fds=True)


_PLAIN_MARK = "plain:"  # on the background compiler's command line: compile this one with ordinary flags


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


def compile_modules(names: Iterable[str], cache: Path | None = None, plain: bool = False) -> int:
    """Compile each named module's source into the cache, unless its entry is current, without importing
    it; how many were written. ``plain``: with ordinary flags, as ``PLAIN`` packages are loaded."""
    written = 0
    for name in names:
        spec = importlib.machinery.PathFinder.find_spec(name, _search_path(name))
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        try:
            if cached_code(name, spec.origin, cache or cache_dir(), plain) is not None:
                continue
            compile_into_cache(name, spec.origin, cache or cache_dir(), plain)
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
    # Where the plan finds the project's top-level packages (functions/, and policy/ for cutover_guard,
    # which the plan puts on sys.path itself), whatever directory the compiler was started from.
    _project = Path(__file__).resolve().parents[2]
    sys.path[:0] = [str(_project), str(_project / "policy")]
    with open(_lock_path(cache_dir()), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            sys.exit(0)  # another compiler is at work
        compile_modules([n for n in sys.argv[1:] if not n.startswith(_PLAIN_MARK)])
        compile_modules([n[len(_PLAIN_MARK):] for n in sys.argv[1:] if n.startswith(_PLAIN_MARK)], plain=True)
