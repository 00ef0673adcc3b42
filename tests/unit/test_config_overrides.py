"""Overrides: ``--set overrides.X`` and ``--set cutover:overrides.X`` are one key, every key is addressable
(a key with ``:`` or ``.`` is quoted in brackets), and every ``make plan ... --set`` and ``pulumi config set``
example in README.md and docs/ goes through the parser (issue 11, "What must exist" 6)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from cutover.config import parse_stack_config
from cutover.errors import ConfigError
from cutover.plan.project import ProjectError, StackSettings, apply_set, load_stack, parse_key
from tests.conftest import PROFILES, ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# Sample values for the docs' <placeholders>: a rollback id has the record's format (32 lowercase hex).
SAMPLES = {"<id>": "0123456789abcdef0123456789abcdef", "<n>": "20", "<path to the function>": "services.products",
           "<org>": "acme", "<owner>/<repo>": "acme/cutover", "<value>": "x"}
# An example shown for a later step of a procedure assumes the earlier steps (docs/runbooks/cleanup.md).
PRECONDITIONS = {"cutover:retire=blue": ["greenWeight=100"],
                 "cutover:retireData=true": ["greenWeight=100", "retire=blue"]}


_CONFIG_SET = re.compile(r"pulumi config set\s+(--path\s+)?('[^']+'|[A-Za-z][^\s`']*)\s+('[^']*'|[^\s`']+)")


def _sample(text: str) -> str:
    for k, v in SAMPLES.items():
        text = text.replace(k, v)
    return text


def examples() -> list[tuple[str, str, str]]:
    """(where, project, set item) for every example: ``cutover`` or ``cutover-deployments``."""
    found: list[tuple[str, str, str]] = []
    for path in DOCS:
        project = "cutover"
        for n, line in enumerate(path.read_text().splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{n}"
            if re.match(r"^\s*cd deployments\b", line):
                project = "cutover-deployments"
            elif line.startswith("```"):
                project = "cutover"
            for m in _CONFIG_SET.finditer(line):
                key, value = (_sample(shlex.split(g)[0]) for g in (m.group(2), m.group(3)))
                found.append((where, project, f"{key}={value}"))
            if "make plan" in line and "ARGS=" in line:
                # Two shells: the one the reader types in, then make's recipe expanding $(ARGS).
                command = line[line.index("make plan"):].split("`")[0]
                for token in shlex.split(_sample(command), comments=True):
                    if token.startswith("ARGS="):
                        args = shlex.split(token[len("ARGS="):])
                        found += [(where, project, args[i + 1]) for i, a in enumerate(args) if a == "--set"]
            for m in re.finditer(r"`(python -m cutover\.plan [^`]*)`", line):
                args = shlex.split(_sample(m.group(1)))
                found += [(where, project, args[i + 1]) for i, a in enumerate(args) if a == "--set"]
    return found


EXAMPLES = examples()


def test_the_docs_have_examples_of_both_forms() -> None:
    kinds = {("pulumi config set" in Path(ROOT / w.split(":")[0]).read_text().splitlines()[int(w.split(":")[1]) - 1])
             for w, _, _ in EXAMPLES}
    assert kinds == {True, False}
    assert len(EXAMPLES) >= 15


def _raw(settings: StackSettings) -> dict[str, Any]:
    """What ``cutover.config.source`` hands the parser: the engine's strings, objects decoded."""
    raw: dict[str, Any] = {}
    for full, value in settings.engine_config().items():
        ns, _, key = full.partition(":")
        if ns == "cutover":
            raw[key] = json.loads(value) if key == "overrides" else value
    return raw


@pytest.mark.parametrize(("where", "project", "item"), EXAMPLES, ids=[f"{w}:{i}" for w, _, i in EXAMPLES])
def test_every_documented_example_goes_through_the_parser(where: str, project: str, item: str) -> None:
    if project != "cutover":
        declared = yaml.safe_load((ROOT / "deployments" / "Pulumi.yaml").read_text())["config"]
        assert item.split("=", 1)[0] in declared, f"{where}: {item} is not a deployments config key"
        return
    key = item.split("=", 1)[0]
    full = key if ":" in key.split(".")[0] else f"cutover:{key}"
    errors = []
    for stack in ("dev", "prod"):
        for profile in PROFILES:
            sets = [f"profile={profile}", *PRECONDITIONS.get(f"{full}={item.split('=', 1)[1]}", []), item]
            settings = load_stack(stack, sets=sets)
            try:
                parse_stack_config(_raw(settings), project="cutover", stack=stack)
                return
            except ConfigError as err:
                errors.append(f"{stack}/{profile}: {err}")
    pytest.fail(f"{where}: {item} parses for no profile: {errors[:3]}")


@pytest.mark.parametrize("item", [i for _, p, i in EXAMPLES if p == "cutover" and "overrides." in i])
def test_with_and_without_the_namespace_are_one_key(item: str) -> None:
    bare = item.removeprefix("cutover:")
    a, b = load_stack("dev", sets=[bare]), load_stack("dev", sets=[f"cutover:{bare}"])
    assert a.config == b.config
    assert "cutover:overrides" in a.config


@pytest.mark.parametrize(("key", "steps"), [
    ('overrides.cache.main.keys["session:{token}"]', [("cutover", "overrides"), "cache", "main", "keys",
                                                       "session:{token}"]),
    ("overrides.cache.main.keys.session:{token}", [("cutover", "overrides"), "cache", "main", "keys",
                                                   "session:{token}"]),
    ('cutover:overrides.cache.main.keys["v1.products"]', [("cutover", "overrides"), "cache", "main", "keys",
                                                          "v1.products"]),
    ('overrides.services["a\\"b"].memoryMb', [("cutover", "overrides"), "services", 'a"b', "memoryMb"]),
    ("overrides.services.api.routes[0]", [("cutover", "overrides"), "services", "api", "routes", 0]),
    ("aws:region", [("aws", "region")]),
])
def test_path_syntax(key: str, steps: list[Any]) -> None:
    assert parse_key(key, "cutover") == steps


@pytest.mark.parametrize("key", ["overrides..x", "overrides.x.", 'overrides.a["b"]c', ":x", "[0]", ""])
def test_bad_paths_are_refused(key: str) -> None:
    with pytest.raises(ProjectError):
        parse_key(key, "cutover")


def test_keys_with_colons_reach_the_parser_in_both_forms() -> None:
    """The issue's case: a cache key pattern with ':' was silently ignored in the bare form."""
    for prefix in ("", "cutover:"):
        settings = load_stack("dev", sets=["profile=pos-serverless", f'{prefix}overrides.cache.main.keys.'
                                           'session:{token}=0'])
        with pytest.raises(ConfigError) as err:
            parse_stack_config(_raw(settings), project="cutover", stack="dev")
        assert err.value.key == "cutover:overrides.cache.main.keys.session:{token}"
        settings = load_stack("dev", sets=["profile=pos-serverless", f'{prefix}overrides.cache.main.keys'
                                           '["session:{token}"]=1800'])
        cfg = parse_stack_config(_raw(settings), project="cutover", stack="dev")
        assert dict(cfg.caches[0].key_ttls)["session:{token}"] == 1800


def test_apply_set_on_a_string_object_is_a_clear_error() -> None:
    s = StackSettings(project="cutover", stack="dev", config={"cutover:overrides": "not json"})
    with pytest.raises(ProjectError, match="holds a string"):
        apply_set(s, "overrides.network.azCount=3")
