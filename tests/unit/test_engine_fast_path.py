"""The offline engine's shortcuts answer exactly as the SDK's mocked engine would.

``RecordingMonitor.RegisterResource`` replaces ``pulumi.runtime.mocks.MockMonitor.RegisterResource``
(no nested event-loop run to serialize the mocks' answer) and ``InlineExecutorLoop`` replaces the SDK's
thread pool for engine calls. Here a whole stack is planned with both monitors answering every
registration: the responses must be byte-identical, and the plan must be the one the SDK's own path
records.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import pulumi
import pulumi_aws as aws
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi import _types
from pulumi.output import Unknown, _OutputData
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.resource import RegisterResponse
from pulumi.runtime.settings import SETTINGS

from cutover.plan import engine
from cutover.plan.engine import InlineExecutorLoop, run_callable, run_program
from cutover.plan.mocks import _NOT_PLAIN, RecordingMonitor, _as_read_back, _plain_struct
from cutover.plan.project import load_stack

_SDK_CONTAINS_UNKNOWNS = rpc.contains_unknowns  # as imported, before any run patches it
_SDK_TRANSFER_PROPERTIES = rpc.transfer_properties
_SDK_TRACK = pulumi.Output._track
_SDK_UNWRAPS = (_types.unwrap_type, _types.unwrap_optional_type)
_SDK_CREATE_URN = runtime_resource.create_urn
_SDK_IS_DRY_RUN = runtime_settings.is_dry_run
_SDK_DEBUG = pulumi.log.debug


def _sdk_attributes() -> dict[tuple[str, str], Any]:
    """What each attribute the run replaces holds now, by owner and name."""
    return {(getattr(owner, "__qualname__", owner.__name__), name): getattr(owner, name)
            for owner, name, _ in engine._stand_ins()}


_SDK_ATTRIBUTES = _sdk_attributes()  # as imported, before any run (the construction calls included)


class _BothMonitors(RecordingMonitor):
    """Answers with the fast path and checks each answer against the SDK's ``MockMonitor``."""

    compared: ClassVar[list[str]] = []  # one run: the engine builds the monitor itself
    differing: ClassVar[list[str]] = []
    sdk_paths: ClassVar[list[str]] = []
    read_back: ClassVar[list[str]] = []  # answered as plain data, without a protobuf Struct

    def __init__(self, mocks: Any) -> None:
        super().__init__(mocks)
        self._sdk = MockMonitor(mocks)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        ours = super().RegisterResource(request)
        theirs = MockMonitor.RegisterResource(self._sdk, request)
        type(self).compared.append(request.name)
        if _as_the_sdk_reads(ours) != _as_the_sdk_reads(theirs):
            type(self).differing.append(request.name)
        if isinstance(ours, RegisterResponse):
            type(self).read_back.append(request.type)
        if request.type != "pulumi:pulumi:Stack" and _plain_struct(self.resources[ours.urn].state) is None:
            type(self).sdk_paths.append(request.type)
        return ours


def _typed(value: Any) -> Any:
    """A value with the type of every part spelled out (1 and 1.0 and True differ), maps without order."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, (pulumi.Asset, pulumi.Archive)):  # what it is, not where the object lives
        return (type(value).__name__, *(_typed(getattr(value, a, None)) for a in ("path", "text", "uri", "assets")))
    return (type(value).__name__, repr(value))


def _as_the_sdk_reads(response: Any) -> tuple[Any, ...]:
    """Everything ``register_resource`` reads of a monitor's answer (pulumi/runtime/resource.py, 3.272.0): the
    URN, the id, the result, the property dependencies, ``unknown``, and the properties as ``resolve_outputs``
    deserializes them (keeping unknowns)."""
    dependencies = {k: sorted(v.urns) for k, v in (response.propertyDependencies or {}).items()}
    return (response.urn, response.id, response.result, dependencies, bool(response.unknown),
            _typed(rpc.deserialize_properties(response.object, True)))


@pytest.mark.parametrize("profile", ["pos-serverless", "tracetrack-ecs"])
def test_every_registration_answers_as_the_sdk_mock_monitor(profile: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _BothMonitors.compared, _BothMonitors.differing, _BothMonitors.sdk_paths = [], [], []
    _BothMonitors.read_back = []
    monkeypatch.setattr(engine, "RecordingMonitor", _BothMonitors)
    plan = run_program(load_stack("prod", sets=[f"profile={profile}"]))
    assert len(_BothMonitors.compared) == len(plan.resources) > 100
    assert _BothMonitors.differing == []
    assert len(_BothMonitors.read_back) > len(plan.resources) // 2  # most answers skip the Struct
    # Lambda code is an asset archive: not plain data, so those answers took the SDK's own serializer.
    assert "aws:lambda/function:Function" in _BothMonitors.sdk_paths


def test_plain_struct_is_the_sdk_serialization_of_plain_data() -> None:
    from pulumi.runtime import rpc
    from pulumi.runtime.sync_await import _sync_await

    state = {"name": "x", "count": 3, "ratio": 0.5, "on": True, "off": False, "none": None,
             "list": [1, None, "a", (2, 3)], "map": {"k": None, "nested": {"v": [True]}}, "tuple": ("a", "b")}
    ours = _plain_struct(state)
    assert ours is not None
    theirs = _sync_await(rpc.serialize_properties(state, {}))
    assert ours == theirs
    assert "none" not in ours.fields  # top-level None dropped, as the SDK does; kept inside maps and lists
    assert ours["map"]["k"] is None


@pytest.mark.parametrize("value", [object(), {"k": {1, 2}}, {1: "non-string key"}, [b"bytes"]])
def test_anything_else_is_left_to_the_sdk(value: Any) -> None:
    assert _plain_struct({"v": value}) is None
    assert _as_read_back({"v": value}) is _NOT_PLAIN


_plain = st.recursive(
    st.none() | st.booleans() | st.integers(-2**62, 2**62) | st.floats(allow_nan=False)
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=3),  # protobuf strings are UTF-8
    lambda children: (st.lists(children, max_size=3) | st.lists(children, max_size=3).map(tuple)
                      | st.dictionaries(st.text(max_size=2), children, max_size=3)),
    max_leaves=10)
_read_specially = st.sampled_from([  # what the SDK's reader turns into something else than plain data
    rpc.UNKNOWN, {rpc._special_sig_key: rpc._special_secret_sig, "value": "s"},
    {rpc._special_sig_key: rpc._special_resource_sig, "urn": "urn:pulumi:s::p::t::n"}])


@given(state=st.dictionaries(st.text(max_size=3), _plain | _read_specially, max_size=5))
def test_read_back_is_what_the_sdk_reads_from_the_struct(state: dict[str, Any]) -> None:
    """For plain data, the same values, types and keys ``resolve_outputs`` reads back from the ``Struct`` the
    answer would carry; data holding the unknown marker or the special signature key is left to the ``Struct``."""
    answer = _as_read_back(state)
    special = any(v is not None and _as_read_back(v) is _NOT_PLAIN for v in state.values())
    if special:
        assert answer is _NOT_PLAIN
        return
    struct = _plain_struct(state)
    assert struct is not None
    assert _typed(answer) == _typed(rpc.deserialize_properties(struct, True))


def test_engine_calls_run_inline_and_deliver_results_and_errors_like_the_pool() -> None:
    loop = InlineExecutorLoop()
    try:
        def boom() -> None:
            raise LookupError("no such parameter")

        ok = loop.run_in_executor(None, lambda a, b: a + b, 2, 3)
        bad = loop.run_in_executor(None, boom)
        assert ok.done() and ok.result() == 5
        assert bad.done() and isinstance(bad.exception(), LookupError)
        assert loop.run_until_complete(asyncio.gather(ok, bad, return_exceptions=True))[0] == 5
    finally:
        loop.close()


def test_a_plan_runs_on_the_inline_loop_and_its_outputs_stay_readable() -> None:
    plan = run_program(load_stack("dev", sets=["profile=pos-serverless"]))
    assert isinstance(asyncio.get_event_loop_policy().get_event_loop(), InlineExecutorLoop)
    assert plan.stack_outputs  # resolved after the run, on the same loop


_unknowns = st.builds(Unknown)
_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3) | _unknowns,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=2), children, max_size=4),
    max_leaves=12)


@contextmanager
def _on_the_plans_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The loop a plan runs on; outputs this block leaves tracked for a program's end (a failed one stays
    there) are not the block's to leave behind."""
    engine._use_inline_loop()
    tracked = set(SETTINGS.outputs)
    try:
        yield engine._LOOP[0]
    finally:
        SETTINGS.outputs.intersection_update(tracked)


def _tracked_after_a_turn(track: Any, data: asyncio.Future[Any], settle: Any) -> bool:
    """Whether an output over ``data``, tracked by ``track``, is left in ``SETTINGS.outputs`` once ``settle``
    (resolving ``data`` or not) has run and the loop has turned."""
    output: pulumi.Output[Any] = object.__new__(pulumi.Output)
    output._data = data
    track(output)
    settle(data)
    engine._LOOP[0].run_until_complete(asyncio.sleep(0))
    return data in SETTINGS.outputs


@pytest.mark.parametrize(("before", "after"), [
    ("done", "nothing"), ("failed", "nothing"), ("cancelled", "nothing"),
    ("pending", "done"), ("pending", "failed"), ("pending", "cancelled"), ("pending", "nothing"),
])
def test_tracking_leaves_what_the_sdks_leaves_for_the_programs_end(before: str, after: str) -> None:
    """``_track_pending`` skips an output that already has its value; whatever the state of an output when
    it is made and whatever happens to it next, what is left for the program's end is what ``_track`` leaves."""
    def state(data: asyncio.Future[Any], how: str) -> None:
        if how == "done":
            data.set_result(_OutputDataOf(1))
        elif how == "failed":
            data.set_exception(RuntimeError("engine said no"))
        elif how == "cancelled":
            data.cancel()

    left = []
    with _on_the_plans_loop() as loop:
        for track in (engine._track_pending, _SDK_TRACK):
            data: asyncio.Future[Any] = loop.create_future()
            state(data, before)
            left.append(_tracked_after_a_turn(track, data, lambda d: state(d, after)))
            if data.done() and not data.cancelled():
                data.exception()  # retrieved: no "never retrieved" warning from the test itself
    expected = "done" not in (before, after)  # only a successful output is dropped; the end re-raises the rest
    assert left == [expected, expected]


@given(_values)
def test_contains_unknowns_answers_as_the_sdk(value: Any) -> None:
    assert engine.contains_unknowns(value) == _SDK_CONTAINS_UNKNOWNS(value)


def test_contains_unknowns_on_shared_and_cyclic_values_answers_as_the_sdk() -> None:
    unknown = Unknown()
    shared: list[Any] = [1]
    cyclic: list[Any] = [shared, shared]
    cyclic.append(cyclic)
    with_unknown: dict[str, Any] = {"a": cyclic, "b": [unknown]}
    for value in (shared, cyclic, with_unknown, {"x": with_unknown, "y": with_unknown}):
        assert engine.contains_unknowns(value) == _SDK_CONTAINS_UNKNOWNS(value)
    assert engine.contains_unknowns(with_unknown) is True and engine.contains_unknowns(cyclic) is False


def test_the_run_restores_every_sdk_function_it_stands_in_for() -> None:
    """Every attribute in the run's table of stand-ins (``engine._stand_ins``) is the SDK's own again once a
    run ends, as it was when this module was imported."""
    run_program(load_stack("dev", sets=["profile=pos-serverless"]))
    assert _sdk_attributes() == _SDK_ATTRIBUTES


def _component_program(seen: list[tuple[bool, bool]]) -> None:
    """A component with a child and an output, and what ``is_dry_run`` answers inside the run (replaced
    and the SDK's own)."""
    parent = pulumi.ComponentResource("test:index:Parent", "parent")
    child = aws.sqs.Queue("queue", opts=pulumi.ResourceOptions(parent=parent))
    parent.register_outputs({"url": child.url})
    pulumi.log.debug("about the queue", resource=child)  # sent once the queue's URN resolves
    seen.append((runtime_settings.is_dry_run(), _SDK_IS_DRY_RUN()))


def test_the_run_answers_is_dry_run_as_the_sdk() -> None:
    seen: list[tuple[bool, bool]] = []
    run_callable(lambda: _component_program(seen))
    assert seen == [(False, False)]  # the offline plan runs as an update, never a preview (set_mocks preview=False)


def _debug_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    caplog.clear()
    run_callable(lambda: _component_program([]))
    return [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]


def test_a_debug_logger_receives_every_message_the_sdk_sends(caplog: pytest.LogCaptureFixture,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages are dropped only where the mock engine's logger would drop them: with that logger at DEBUG,
    the run delivers the same messages, in the same order, as with the SDK's ``log.debug``; below DEBUG, none."""
    caplog.set_level(logging.DEBUG)
    ours = _debug_messages(caplog)
    monkeypatch.setattr(engine, "_debug_unless_dropped", lambda debug: debug)  # the SDK's function, as is
    theirs = _debug_messages(caplog)
    assert ours == theirs and any(m.startswith("resource registration successful") for m in ours)
    assert "about the queue" in ours
    caplog.set_level(logging.INFO)
    assert _debug_messages(caplog) == []


def _resolved(output: pulumi.Output[Any]) -> tuple[Any, bool, bool, set[Any]]:
    data = engine._LOOP[0].run_until_complete(output._data)
    return data.value, data.is_known, data.is_secret, data.resources


_names = st.text(st.characters(codec="ascii", exclude_characters="\x00"), max_size=8)


@given(name=_names, type_=_names, parent=st.none() | st.builds(lambda a, b: f"urn:pulumi:{a}::{b}", _names, _names)
       | _names, project=st.none() | _names, stack=st.none() | _names, wrapped=st.booleans())
def test_create_urn_resolves_as_the_sdks(name: str, type_: str, parent: str | None, project: str | None,
                                         stack: str | None, wrapped: bool) -> None:
    """The same URN, known, not secret, depending on no resource: from plain strings computed at once,
    from an Output (``wrapped``) by the SDK's own chain."""
    run_callable(lambda: None, project="shop", stack="prod")  # what an absent project or stack reads
    arg: Any = pulumi.Output.from_input(name) if wrapped else name
    ours = _resolved(engine.create_urn(arg, type_, parent, project, stack))
    theirs = _resolved(_SDK_CREATE_URN(arg, type_, parent, project, stack))
    assert ours == theirs
    assert ours[0].endswith(f"{type_}::{name}") and ours[1:] == (True, False, set())


@pytest.mark.parametrize("profile", ["pos-serverless", "tracetrack-ecs"])
def test_every_remembered_unwrapping_is_the_sdks(profile: str) -> None:
    """Each type a plan unwrapped, asked of the SDK's functions again: the very object remembered."""
    run_program(load_stack("prod", sets=[f"profile={profile}"]))
    for remembered, sdk in ((engine.UNWRAP_TYPE, _SDK_UNWRAPS[0]), (engine.UNWRAP_OPTIONAL_TYPE, _SDK_UNWRAPS[1])):
        assert remembered.answers  # the plan went through it
        for typ, answer in remembered.answers.values():
            assert sdk(typ) is answer, typ


def test_a_remembered_answer_belongs_to_the_very_object() -> None:
    """Answers are kept under identity with the object held: an equal but distinct type is asked anew."""
    calls: list[Any] = []
    unwrap = engine.ByIdentity(lambda typ: calls.append(typ) or typ)
    first, second = list[int], list[int]  # equal, not the same object
    assert first == second and first is not second
    assert unwrap(first) is first and unwrap(first) is first and unwrap(second) is second
    assert calls == [first, second]
    with_stack = engine.ByIdentity(lambda plan, stack: calls.append(stack) or f"{stack}")  # later arguments by value
    assert with_stack(first, "prod") == "prod" and with_stack(first, "dev") == "dev"
    assert with_stack(first, "pro" + "d") == "prod" and calls[2:] == ["prod", "dev"]


def _OutputDataOf(value: Any) -> _OutputData[Any]:  # noqa: N802 (reads like the class it builds)
    return _OutputData(resources=set(), value=value, is_known=True, is_secret=False)


class _Res:
    """Stands in for a resource: ``transfer_properties`` only sets attributes on it and hashes it."""


def _transferred(transfer: Any, props: dict[str, Any], custom: bool, answer: tuple[Any, ...],
                 loop: asyncio.AbstractEventLoop) -> tuple[_Res, dict[str, Any], dict[str, Any], list[str]]:
    """Outputs from ``transfer`` resolved with ``answer`` (value, known, secret, deps, exception), awaited:
    (the resource, its resolvers, each output's resolved data or exception, the names of those still
    tracked for the program's end once the loop has settled)."""
    res = _Res()
    resolvers = transfer(res, props, custom)
    names = sorted(resolvers)
    pending = [n for n in names if res.__dict__[n]._data in SETTINGS.outputs]
    assert pending == names  # every output waits for the engine's answer
    for resolve in resolvers.values():
        resolve(*answer)
    done = loop.run_until_complete(asyncio.gather(*(res.__dict__[n]._data for n in names), return_exceptions=True))
    loop.run_until_complete(asyncio.sleep(0))  # the SDK drops a resolved output one turn of the loop later
    tracked = [n for n in names if res.__dict__[n]._data in SETTINGS.outputs]
    return res, resolvers, dict(zip(names, done, strict=True)), tracked


_deps = st.lists(st.sampled_from([_Res(), _Res(), _Res()]), max_size=3).map(set) | st.none()


@given(props=st.lists(st.sampled_from(["urn", "id", "arn", "tags", "name"]), unique=True), custom=st.booleans(),
       value=_values, known=st.booleans(), secret=st.booleans(), deps=_deps,
       failed=st.none() | st.builds(RuntimeError, st.text(max_size=3)))
def test_transfer_properties_gives_outputs_that_resolve_as_the_sdks(
        props: list[str], custom: bool, value: Any, known: bool, secret: bool, deps: set[Any] | None,
        failed: Exception | None) -> None:
    """The same outputs on the resource, the same resolver per name, and once resolved the same value,
    known and secret flags (an unknown inside the value makes it unknown) and dependencies (the given
    ones and the resource itself), or the same exception, as pulumi's own ``transfer_properties``."""
    answer = (value, known, secret, deps, failed)
    with _on_the_plans_loop() as loop:
        ours = _transferred(engine.transfer_properties, dict.fromkeys(props), custom, answer, loop)
        theirs = _transferred(_SDK_TRANSFER_PROPERTIES, dict.fromkeys(props), custom, answer, loop)
    (res_ours, resolvers_ours, data_ours, tracked_ours) = ours
    (res_theirs, resolvers_theirs, data_theirs, tracked_theirs) = theirs
    assert sorted(resolvers_ours) == sorted(resolvers_theirs) == sorted(data_ours)
    assert tracked_ours == tracked_theirs == (sorted(resolvers_ours) if failed is not None else [])
    assert sorted(vars(res_ours)) == sorted(vars(res_theirs))
    assert all(isinstance(vars(res_ours)[n], pulumi.Output) for n in resolvers_ours)
    for name, got in data_ours.items():
        expected = data_theirs[name]
        if failed is not None:
            assert got is failed and expected is failed
            continue
        assert (got.value, got.is_known, got.is_secret) == (expected.value, expected.is_known, expected.is_secret)
        assert got.resources - {res_ours} == expected.resources - {res_theirs} == set(deps or ())
        assert res_ours in got.resources and res_theirs in expected.resources


def test_the_next_run_frees_a_runs_resources_without_the_cycle_collector() -> None:
    """A resource and its outputs form cycles (output -> its resources -> the resource -> the output); the
    next run breaks them, so reference counting alone frees the previous run."""
    made: list[Any] = []

    def build() -> None:
        bucket = aws.s3.Bucket("probe")
        parent = pulumi.ComponentResource("test:index:Probe", "parent")
        child = aws.sqs.Queue("child", opts=pulumi.ResourceOptions(parent=parent))
        made.extend(weakref.ref(r) for r in (bucket, parent, child))
        made.append(bucket.arn)

    gc.collect()
    gc.disable()  # nothing below may rely on the cycle collector
    try:
        run_callable(build)
        arn = made.pop()
        assert all(ref() is not None for ref in made)  # readable after its own run, outputs included
        value = asyncio.get_event_loop().run_until_complete(arn.future())
        assert value and value.startswith("arn:aws:s3:::")
        del arn  # a held output holds its resource: that is a reference, not a cycle
        run_callable(lambda: None)
        assert [ref() for ref in made] == [None, None, None]
    finally:
        gc.enable()


def test_an_asset_answer_never_pumps_the_running_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda code (an asset archive) is serialized by the SDK's serializer run to completion in place:
    pumping the loop from inside a registration nested one registration per level, and 200 functions
    reached the recursion limit (the plan then waited forever)."""
    from cutover.plan import mocks

    def refuse(_: Any) -> Any:
        raise AssertionError("the loop was pumped from inside a registration")

    monkeypatch.setattr(mocks, "_sync_await", refuse)
    plan = run_program(load_stack("prod", sets=["profile=pos-serverless"]))
    assert any(r.type == "aws:lambda/function:Function" for r in plan.resources)


def test_run_now_returns_a_finished_result_and_refuses_one_that_must_wait() -> None:
    from cutover.plan.mocks import _run_now

    async def done() -> Any:
        return 42

    async def waits() -> Any:
        await asyncio.sleep(0)
        return 1

    assert _run_now(done()) == 42
    assert _run_now(waits()) is None


class _Illegal:
    """No protobuf value: the SDK refuses it with the property's name."""


_leaves = (st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False)
           | st.text(max_size=3) | _unknowns | st.sampled_from(list(aws.lambda_.Runtime)[:3]))  # a str enum
_bag_values = st.recursive(
    _leaves | st.builds(_Illegal),
    lambda children: (st.lists(children, max_size=3) | st.lists(children, max_size=3).map(tuple)
                      | st.dictionaries(st.sampled_from(["a", "b_c", "delay_seconds"]), children, max_size=3)
                      | st.tuples(children, st.booleans(), st.booleans(), _deps).map(lambda t: ("output", *t))),
    max_leaves=8)


def _as_inputs(value: Any, loop: asyncio.AbstractEventLoop) -> Any:
    """``("output", value, known, secret, deps)`` drawn by hypothesis, made an Output over that data."""
    if isinstance(value, tuple) and value[:1] == ("output",):
        _, inner, known, secret, deps = value
        data = loop.create_future()
        data.set_result(_OutputData(resources=set(deps or ()), value=_as_inputs(inner, loop), is_known=known,
                                    is_secret=secret))
        output: pulumi.Output[Any] = object.__new__(pulumi.Output)
        output._data = data
        return output
    if isinstance(value, (list, tuple)):
        return type(value)(_as_inputs(v, loop) for v in value)
    if isinstance(value, dict):
        return {k: _as_inputs(v, loop) for k, v in value.items()}
    return value


def _serialized(serialize: Any, props: dict[str, Any], typ: type | None, transformer: Any,
                loop: asyncio.AbstractEventLoop) -> tuple[Any, ...]:
    deps: dict[str, list[Any]] = {}
    try:
        struct = loop.run_until_complete(serialize(props, deps, None, transformer, typ))
    except (ValueError, AssertionError) as exc:  # the message names the value: objects by type, not address
        return type(exc), re.sub(r" at 0x[0-9a-f]+>", ">", str(exc))
    return struct.SerializeToString(deterministic=True), {k: [id(d) for d in v] for k, v in deps.items()}


# the SDK's function, as imported before any run replaces it
_SDK_SERIALIZE_PROPERTIES = rpc.serialize_properties


@given(bag=st.dictionaries(st.sampled_from(["name", "delay_seconds", "tags", "fifo_queue", "policy", "x"]),
                           _bag_values, max_size=6),
       typ=st.sampled_from([None, aws.sqs.QueueArgs]), transformer=st.sampled_from([None, str.upper]))
def test_serialize_properties_answers_as_the_sdks(bag: dict[str, Any], typ: type | None, transformer: Any) -> None:
    """Whatever a resource's arguments hold (unset properties, plain values, enums, unknowns, outputs
    known or not, secret or not, with dependencies, lists, tuples, maps, values protobuf cannot carry),
    with or without the arguments' type and a name translator: the same ``Struct`` byte for byte and the
    same dependencies per property, in the same order, or the same error with the same message."""
    with _on_the_plans_loop() as loop:  # inputs made afresh for each: serializing an output adds to its data
        ours = _serialized(engine.serialize_properties, _as_inputs(bag, loop), typ, transformer, loop)
        theirs = _serialized(_SDK_SERIALIZE_PROPERTIES, _as_inputs(bag, loop), typ, transformer, loop)
    assert ours == theirs
