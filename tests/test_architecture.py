"""The house's shape, checked: the public surface, the layers, no import cycles, step names."""

from __future__ import annotations

import shutil
import subprocess
import sys

import grimp
import pytest

import harness
from harness.services.kms.machine import KmsSteps
from harness.services.payment_cryptography.machine import PcSteps
from tests.conftest import REPO


def test_the_public_surface_is_what_all_says() -> None:
    """Every name of ``__all__`` resolves, and nothing public is left out of it."""
    exported = set(harness._EXPORTS)
    assert set(harness.__all__) == exported
    for name in harness.__all__:
        assert getattr(harness, name) is not None, name
    with pytest.raises(AttributeError):
        _ = harness.no_such_name  # type: ignore[attr-defined]


def test_the_registries_are_complete_through_the_surface() -> None:
    assert len(harness.RULES) >= 111
    assert {t.rule for t in harness.SCENARIOS} <= set(harness.RULES.ids())
    assert harness.SERVICES.names() == ["kms", "payment-cryptography"]


def test_the_import_contracts_hold() -> None:
    """import-linter's contracts (pyproject.toml): layers, no spec toolchain at run time, no
    service named by the engine, services independent of each other."""
    tool = shutil.which("lint-imports", path=str(REPO / ".venv" / "bin")) or shutil.which("lint-imports")
    command = [tool] if tool else [sys.executable, "-m", "importlinter.cli"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_not_even_inside_functions() -> None:
    """grimp reads every import statement, those inside functions included."""
    graph = grimp.build_graph("harness", cache_dir=None, exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The test above can fail: a graph with a cycle hidden in a function is reported."""
    graph = grimp.ImportGraph()
    for module in ("pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    assert _cycles(graph) == [["pkg.a", "pkg.b"]]


@pytest.mark.parametrize(
    "steps",
    [
        lambda: KmsSteps(operations=frozenset({"DescribeKye"})),
        lambda: PcSteps(operations=frozenset({"GetKye"})),
    ],
)
def test_a_misspelt_step_is_refused_when_the_machine_is_defined(steps: object) -> None:
    """A typo in a step name would silently switch the step off; it is an error instead."""
    with pytest.raises(ValueError, match="unknown operations"):
        steps()  # type: ignore[operator]
