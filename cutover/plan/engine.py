"""Runs the Pulumi program under the SDK's mocks and returns every registration as a Plan."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import runpy
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi import _types
from pulumi import resource as sdk_resource
from pulumi.output import _OutputData
from pulumi.runtime import known_types, rpc
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockEngine
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from cutover.plan import typehints
from cutover.plan.mocks import CutoverMocks, RecordingMonitor
from cutover.plan.model import Plan
from cutover.plan.project import ROOT, StackSettings


def _stack_outputs() -> dict[str, Any]:
    """``pulumi.export`` values, resolved (the mocked root stack never registers them itself)."""
    root = runtime_settings.get_root_resource()
    outputs = getattr(root, "outputs", None) or {}
    resolved: dict[str, Any] = {}
    for key, value in outputs.items():
        resolved[key] = _sync_await(pulumi.Output.from_input(value).future())
    return resolved


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()  # what the SDK itself sends when it finds no user frame


class InlineExecutorLoop(asyncio.SelectorEventLoop):
    """The event loop of a run under mocks: ``run_in_executor`` calls the function at once.

    The SDK hands every engine call (each registration, invoke, output registration) to a thread pool
    with ``loop.run_in_executor`` so that a slow gRPC round trip does not block the program. Under mocks
    the "engine" is an in-process Python object that answers immediately: the thread hop, the wake-up of
    the selector and the cross-thread callback cost more than the answer, about a tenth of a plan.
    Called inline, the call runs in the same context (the SDK wraps it with ``wrap_with_context``) and
    its result or exception lands in a future exactly as the pool would deliver it.
    """

    def run_in_executor(  # type: ignore[override]  # typeshed's generic signature; same call shape
            self, executor: Any, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        future = self.create_future()
        try:
            future.set_result(func(*args))
        except Exception as exc:  # delivered to the awaiting task, as from the pool
            future.set_exception(exc)
        return future


_LOOP: list[InlineExecutorLoop] = []


def _use_inline_loop() -> None:
    """Make the process's ``InlineExecutorLoop`` this thread's event loop. One loop serves every run:
    outputs of a finished run stay awaitable (tests read them after the run), so it is never swapped
    back or closed between runs."""
    if not _LOOP or _LOOP[0].is_closed():
        _LOOP[:] = [InlineExecutorLoop()]
    asyncio.set_event_loop(_LOOP[0])


@contextmanager
def _mocked_run_fast_path() -> Iterator[None]:
    """What a run under mocks can skip without changing a single registration.

    * The cyclic garbage collector (``gc_paused``).
    * Source positions: for every registration the SDK extracts and formats the whole Python stack
      (runpy, asyncio, every component ``__init__``) so the CLI can say where a resource was declared.
      The mocked monitor ignores them, so the engine sends the empty trace the SDK itself sends when it
      finds no user frame: about a sixth of a plan's run time.
    * Garbage cycles from ``rpc.contains_unknowns``, which the SDK calls for every output value: its
      recursive helper is a closure over itself, so each call leaves a function, its cell and its
      annotations in a cycle only the collector can free (nine tenths of a plan's cyclic garbage).
      ``contains_unknowns`` below gives the same answers without the closure.
    * Resources are noted as they are constructed (``_RUN_RESOURCES``) so that the next run can release
      them (``release_previous_run``).
    * The SDK's per-output and per-registration work that only an engine needs (``_stand_ins``).
    All are restored when the run ends.
    """
    stand_ins = _stand_ins()
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in stand_ins]
    for owner, name, stand_in in stand_ins:
        setattr(owner, name, stand_in)
    try:
        with gc_paused():
            yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def _stand_ins() -> list[tuple[Any, str, Any]]:
    """(module or class, attribute, what stands in for it during a run), each defined below with its reason."""
    stand_ins: list[tuple[Any, str, Any]] = [
        (rpc, "contains_unknowns", contains_unknowns),
        (rpc, "transfer_properties", transfer_properties),
        (rpc, "serialize_properties", serialize_properties),
        (_types, "unwrap_type", UNWRAP_TYPE),
        (_types, "unwrap_optional_type", UNWRAP_OPTIONAL_TYPE),
        (pulumi.Output, "_track", _track_pending),
        (runtime_resource, "create_urn", create_urn),
        *((sdk_resource, name, _noting(getattr(sdk_resource, name))) for name in _CONSTRUCTION_CALLS),
    ]
    if hasattr(runtime_resource, "_get_stack_trace"):
        stand_ins.append((runtime_resource, "_get_stack_trace", _no_stack_trace))
    dry_run = runtime_settings.is_dry_run()  # as set_mocks left it: nothing changes it while the program runs
    stand_ins += [(runtime_settings, "is_dry_run", lambda: dry_run),
                  (pulumi.log, "debug", _debug_unless_dropped(pulumi.log.debug))]
    return stand_ins


def _debug_unless_dropped(debug: Callable[..., None]) -> Callable[..., None]:
    """``pulumi.log.debug`` (pulumi 3.272.0), which the SDK calls several times per registration, minus the
    messages the mock engine would drop: it builds a ``LogRequest`` that ``MockEngine.Log`` hands to a
    ``logging`` logger, which discards it unless that logger is enabled for DEBUG. A message tied to a
    resource (sent once its URN resolves) and any message a DEBUG logger would receive go through as before."""
    def dropped_or_logged(msg: str, resource: pulumi.Resource | None = None, stream_id: int | None = None,
                          ephemeral: bool | None = None) -> None:
        engine = runtime_settings.get_engine()
        if resource is None and isinstance(engine, MockEngine) and not engine.logger.isEnabledFor(logging.DEBUG):
            return
        debug(msg, resource, stream_id, ephemeral)
    return dropped_or_logged


# What ``Resource.__init__`` calls with the new resource as its first argument, by the name it calls it
# (pulumi/resource.py, 3.272.0): a registration, a read of an existing resource by id, or by URN.
_CONSTRUCTION_CALLS = ("register_resource", "read_resource", "get_resource")
_RUN_RESOURCES: list[pulumi.Resource] = []  # every resource of the latest run, in construction order


def _noting(call: Callable[..., Any]) -> Callable[..., Any]:
    def noted(res: pulumi.Resource, *args: Any, **kwargs: Any) -> Any:
        _RUN_RESOURCES.append(res)
        return call(res, *args, **kwargs)
    return noted


def release_previous_run() -> None:
    """Release the resource objects of the latest run; ``run_callable`` calls it as the next run starts.

    The SDK links each resource and its outputs in a cycle (the output's data holds the set of resources
    it depends on; the resource holds the output as an attribute), and every output is a task holding its
    context: a plan leaves some 30,000 objects only the cycle collector can free, which was an eighth of
    the CPU of a process that plans many stacks (the tests, ``make bench``). Emptying each resource's
    attributes breaks every such cycle, so reference counting frees the run as soon as nothing else holds
    it. A run's resource objects are therefore readable until the next run starts (its ``Plan`` and its
    awaited values stay readable for good), which is all the CLI, promotion and tests need.
    """
    for res in _RUN_RESOURCES:
        res.__dict__.clear()
    _RUN_RESOURCES.clear()


def contains_unknowns(val: Any, _seen: set[int] | None = None) -> bool:
    """``pulumi.runtime.rpc.contains_unknowns`` (pulumi 3.272.0) without its self-referencing closure: the
    same walk (dicts by key, lists in order, each object once by ``id``), the same answers
    (``tests/unit/test_engine_fast_path.py`` holds the two against each other). Anything but a dict or a
    list answers at once: the SDK also notes its ``id``, which only ever stops a walk into a container."""
    if known_types.is_unknown(val):
        return True
    if not isinstance(val, (dict, list)):
        return False
    seen = set() if _seen is None else _seen
    if id(val) in seen:
        return False
    seen.add(id(val))
    if isinstance(val, dict):
        for key in val:  # noqa: SIM110 (a loop, not any(): no generator object per container)
            if contains_unknowns(val[key], seen):
                return True
        return False
    for item in val:  # noqa: SIM110 (as above)
        if contains_unknowns(item, seen):
            return True
    return False


def transfer_properties(res: pulumi.Resource, props: Mapping[str, Any], custom: bool) -> dict[str, Any]:
    """``pulumi.runtime.rpc.transfer_properties`` (pulumi 3.272.0) with one future per output, the way the
    SDK's own ``resource_output`` builds a resource's ``urn`` and ``id``.

    The SDK's version gives each output property four futures (value, known, secret, dependencies) and
    an Output whose task awaits them one by one: a task, its steps and their wake-ups for each of the
    twenty to sixty properties of every resource, about a third of the callbacks a plan's event loop
    runs. Here the resolver builds the Output's ``_OutputData`` from the same four values (the same
    class, so the same normalisation of unknowns) and completes it in one step; a failed resolution
    raises the same exception to whoever awaits the Output. The output is tracked for the end of the
    program as ``Output._track`` tracks it (``SETTINGS.outputs``, left there if it fails), but the
    resolver itself drops it on success instead of a done-callback one turn of the loop later.
    ``tests/unit/test_engine_fast_path.py`` holds the two against each other.
    """
    resolvers: dict[str, Any] = {}
    tracked, lock = SETTINGS.outputs, SETTINGS.lock  # the set _track would add to now (a context property)
    new_future = asyncio.get_event_loop().create_future  # the loop asyncio.Future() would bind to
    attributes = res.__dict__
    made: list[asyncio.Future[_OutputData[Any]]] = []
    for name in props:
        if name == "urn" or (name == "id" and custom):  # handled by resource_output, as in the SDK
            continue
        data: asyncio.Future[_OutputData[Any]] = new_future()
        resolvers[name] = functools.partial(_resolve_output, res, data, tracked, lock)
        output: pulumi.Output[Any] = object.__new__(pulumi.Output)  # as Output._from_data, minus its callback
        output._data = data
        made.append(data)
        attributes[name] = output
    with lock:  # once per resource: nothing resolves an output before this function returns
        tracked.update(made)
    return resolvers


# The values the SDK's ``serialize_property`` returns unchanged whatever the property's type: exactly these
# classes (not subclasses: an enum member or a ``str`` subclass takes the SDK's path).
_LEAVES = frozenset({str, int, float, bool})


async def serialize_properties(inputs: Mapping[str, Any], property_deps: dict[str, list[pulumi.Resource]],
                               resource_obj: pulumi.Resource | None = None,
                               input_transformer: Callable[[str], str] | None = None, typ: type | None = None,
                               keep_output_values: bool = False,
                               exclude_resource_refs_from_deps: bool = False) -> struct_pb2.Struct:
    """``pulumi.runtime.rpc.serialize_properties`` (pulumi 3.272.0) without a coroutine for the properties
    whose serialization is the value itself.

    A resource's arguments name every property it has, set or not: of the seven thousand properties a plan
    serializes, three thousand are None and most others plain strings, numbers and booleans. The SDK awaits
    ``serialize_property`` for each, which for None and for a plain value runs a dozen type checks (several
    through ``abc``) and returns it: None is then dropped, a plain value stored with no dependencies. Here
    those two cases take that outcome directly; every other value (outputs, resources, assets, input types,
    lists, maps, enums, anything else) goes to the SDK's ``serialize_property`` exactly as the SDK sends it,
    with the same error context. ``tests/unit/test_engine_fast_path.py`` holds the two against each other.
    """
    get_type: Callable[[str], type | None] = lambda k: None  # noqa: E731 (as the SDK spells it)
    translate = input_transformer
    if typ is not None:
        py_name_to_pulumi_name = _types.input_type_py_to_pulumi_names(typ)
        types = _types.input_type_types(typ)
        translate = lambda k: py_name_to_pulumi_name.get(k) or k  # noqa: E731
        get_type = lambda k: types.get(translate(k))  # type: ignore[misc]  # noqa: E731
    struct = struct_pb2.Struct()
    for k in inputs:  # not .items(): as the SDK, for dict subclasses that redefine it
        v = inputs[k]
        if v is None:
            continue
        deps: list[pulumi.Resource] = []
        if type(v) in _LEAVES:
            result = v
        else:
            try:
                result = await rpc.serialize_property(v, deps, k, resource_obj, input_transformer, get_type(k),
                                                      keep_output_values, exclude_resource_refs_from_deps)
            except ValueError as e:
                raise ValueError(f"While processing input: {k!r}, type {type(k)}, value {v!r}\n"
                                 f"ValueError has risen: {e}") from e
            except AssertionError as e:
                raise AssertionError(f"While processing input: {k!r}, type {type(k)}, value {v!r}\n"
                                     f"AssertionError has risen: {e}") from e
            if result is None:
                continue
        translated_name = k
        if translate is not None:
            translated_name = translate(k)
            if runtime_settings.excessive_debug_output:
                pulumi.log.debug(f"top-level input property translated: {k} -> {translated_name}")
        struct[translated_name] = result
        property_deps[translated_name] = deps
    return struct


def _resolve_output(res: pulumi.Resource, data: asyncio.Future[_OutputData[Any]], tracked: set[Any],
                    lock: threading.Lock, value: Any, is_known: bool, is_secret: bool,
                    deps: set[pulumi.Resource] | None, failed: Exception | None) -> None:
    """After the bound arguments, the SDK's resolver signature: (value, known, secret, dependencies, exception)."""
    if failed is not None:
        data.set_exception(failed)  # stays tracked: the program's end re-raises it
        return
    resources = set(deps) if deps else set()
    resources.add(res)
    data.set_result(_OutputData(resources=resources, value=value, is_known=is_known, is_secret=is_secret))
    with lock:
        tracked.discard(data)


class ByIdentity:
    """A function remembered per call: its first argument by identity (the object is held with the answer,
    so its identity is never reused), any others by value.

    For the SDK's type unwrapping (``unwrap_type``, ``unwrap_optional_type``): it unwraps the annotated
    type of every property it serializes or translates (``Output[T]``, ``Input[T]``, ``Optional[T]`` to
    ``T``), some thirteen thousand calls a plan over a few hundred distinct annotations, each a chain of
    ``typing.get_origin`` checks: about a twentieth of a plan. The answer depends on nothing but the type
    object (its origin and arguments, and whether a class is an input type, which is fixed when the class
    is made). ``tests/unit/test_engine_fast_path.py`` checks every remembered answer.
    """

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.answers: dict[tuple[Any, ...], tuple[Any, Any]] = {}

    def __call__(self, first: Any, *rest: Any) -> Any:
        key = (id(first), *rest)
        known = self.answers.get(key)
        if known is not None and known[0] is first:
            return known[1]
        answer = self.function(first, *rest)
        self.answers[key] = (first, answer)
        return answer


UNWRAP_TYPE = ByIdentity(_types.unwrap_type)
UNWRAP_OPTIONAL_TYPE = ByIdentity(_types.unwrap_optional_type)


def create_urn(name: Any, type_: Any, parent: Any = None, project: str | None = None,
               stack: str | None = None) -> pulumi.Output[str]:
    """``pulumi.runtime.resource.create_urn`` (pulumi 3.272.0), computed at once from plain strings.

    Every registration computes the URN the SDK would answer with if no engine were there (it awaits it
    even though the mocked monitor answers), through two ``apply`` calls and an ``Output.all``: tasks and
    their callbacks for a string concatenation. From plain strings (the name, the type and the parent's
    URN there) the same string is built here, as a known, non-secret Output that depends on no resource,
    which is what the SDK's chain resolves to; anything else (an Output, a parent resource) takes the
    SDK's function.
    """
    if isinstance(name, str) and isinstance(type_, str) and (parent is None or isinstance(parent, str)):
        if parent is not None:
            prefix = parent[0:parent.rfind("::")] + "$"
        else:
            prefix = ("urn:pulumi:" + (stack if stack is not None else runtime_settings.get_stack()) + "::"
                      + (project if project is not None else runtime_settings.get_project()) + "::")
        return pulumi.Output.from_input(prefix + type_ + "::" + name)
    return _SDK_CREATE_URN(name, type_, parent, project, stack)


_SDK_CREATE_URN = runtime_resource.create_urn


def _track_pending(output: pulumi.Output[Any]) -> None:
    """``Output._track`` for an output whose value is not there yet, or failed.

    ``_track`` adds the output to ``SETTINGS.outputs`` (what the program's end waits for) and a
    done-callback that takes it out again once it succeeds; for an output that already succeeded (a
    plain value passed through ``Output.from_input``, a quarter of a plan's outputs) that callback runs
    on the loop's next turn and leaves nothing behind, so there is nothing to track.
    """
    data = output._data
    if data.done() and not data.cancelled() and data.exception() is None:
        return
    _SDK_TRACK(output)


_SDK_TRACK = pulumi.Output._track


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a burst of allocation-heavy work.

    A plan allocates hundreds of thousands of long-lived objects (the generated ``pulumi_aws`` modules
    it imports, Outputs, futures) and frees almost nothing cyclic until it ends, so the collector's
    repeated full passes over that growing heap are pure overhead: about a quarter of a plan's time.
    Reference counting still frees everything acyclic; the collector resumes (and catches up on its
    own schedule) as soon as the block exits.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def before_exit() -> None:
    """Call as a one-shot command returns: interpreter shutdown runs a full collection over every object
    still alive (for a plan, about a second of the command's wall time); frozen objects are skipped."""
    gc.freeze()


class ProgramError(RuntimeError):
    """The program refused to run (bad config, a refused promotion): the message is for the user."""


def run_program(settings: StackSettings, *, program: Path = ROOT / "__main__.py",
                ssm_parameters: Mapping[str, str] | None = None) -> Plan:
    """Run ``__main__.py`` for a stack exactly as the CLI would, with mocked cloud calls."""

    def body() -> None:
        runpy.run_path(str(program), run_name="__main__")

    # The CLI runs the program from the project directory; archives and assets are read after the
    # program body returns, so the directory must stay current for the whole run.
    cwd = os.getcwd()
    os.chdir(program.parent)
    try:
        return run_callable(body, project=settings.project, stack=settings.stack, region=settings.region,
                            config=settings.engine_config(), secret_keys=sorted(settings.secret_keys),
                            ssm_parameters=ssm_parameters)
    finally:
        os.chdir(cwd)


def run_callable(fn: Callable[[], None], *, project: str = "cutover", stack: str = "test",
                 region: str = "us-east-1", config: Mapping[str, str] | None = None,
                 secret_keys: list[str] | None = None, ssm_parameters: Mapping[str, str] | None = None) -> Plan:
    """Run ``fn`` (which registers resources) under fresh mocks; used by the plan and component tests.

    Engine calls are answered inline (``InlineExecutorLoop``), not through the SDK's thread pool; the
    resource objects of the previous run are released first (``release_previous_run``)."""
    release_previous_run()
    _use_inline_loop()  # before set_mocks, which creates the run's first futures
    typehints.install()  # property types evaluated once per distinct annotation (same answers)
    mocks = CutoverMocks(region=region, ssm_parameters=ssm_parameters)
    monitor = RecordingMonitor(mocks)
    set_all_config(dict(config or {}), secret_keys or [])
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    error: list[BaseException] = []

    def body() -> None:
        try:
            fn()
        except pulumi.RunError as exc:  # __main__ raises it for config errors: no traceback wanted
            error.append(exc)

    try:
        with _mocked_run_fast_path():
            _sync_await(run_pulumi_func(body))
    except pulumi.RunError as exc:
        error.append(exc)
    if error:
        raise ProgramError(str(error[0])) from None
    return Plan(project=project, stack=stack, resources=list(monitor.planned), stack_outputs=_stack_outputs())
