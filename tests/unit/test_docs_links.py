"""Every relative link in README.md and docs/ resolves: the file exists and, with a #fragment, the heading does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens."""
    out = set()
    for line in _FENCE.sub("", path.read_text()).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


def links() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        text = _FENCE.sub("", doc.read_text())
        for m in _LINK.finditer(text):
            target = m.group(1)
            if not re.match(r"^[a-z]+:", target):  # http:, https:, mailto: are not relative
                found.append((str(doc.relative_to(ROOT)), target))
    return found


LINKS = links()


def test_the_docs_link_to_each_other() -> None:
    assert len(LINKS) > 50
    assert ("docs/caching-strategy.md", "monitoring.md") in LINKS


@pytest.mark.parametrize(("doc", "target"), LINKS, ids=[f"{d}->{t}" for d, t in LINKS])
def test_relative_link_resolves(doc: str, target: str) -> None:
    file_part, _, fragment = target.partition("#")
    source = ROOT / doc
    resolved = (source.parent / file_part).resolve() if file_part else source
    assert resolved.exists(), f"{doc}: {target} does not exist"
    if fragment and resolved.suffix == ".md":
        assert fragment in _anchors(resolved), f"{doc}: {target}: no heading #{fragment} in {resolved.name}"
