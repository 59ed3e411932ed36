"""The vendored contracts match shared/contracts; the command line fails in one line with code 2."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from harness.cassette import read
from harness.errors import CassetteError
from tests.conftest import REPO, SHARED


@pytest.mark.parametrize("name", ["findings.schema.json", "cassette.schema.json"])
def test_vendored_contracts_equal_the_shared_ones(name: str) -> None:
    shared = SHARED / "contracts" / name
    if not shared.is_file():
        pytest.skip(f"{shared} is not in this checkout's workspace")
    vendored = resources.files("harness.contracts").joinpath(name).read_text(encoding="utf-8")
    assert vendored == shared.read_text(encoding="utf-8")


def harness(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "args", [("bogus",), ("spec",), ("spec", "check", "--specs", "/nonexistent/specs", "--bogus")]
)
def test_bad_command_lines_fail_in_one_line(args: tuple[str, ...]) -> None:
    done = harness(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("harness: error:")


def test_spec_check_passes_on_the_committed_specs() -> None:
    done = harness("spec", "check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_spec_check_fails_when_a_file_differs(tmp_path: Path) -> None:
    assert harness("spec", "build", "--specs", str(tmp_path)).returncode == 0
    target = tmp_path / "aws" / "kms" / "CreateKey.request.json"
    target.write_text(target.read_text().replace('"maxLength": 128', '"maxLength": 129'))
    done = harness("spec", "check", "--specs", str(tmp_path))
    assert done.returncode == 1 and "aws/kms/CreateKey.request.json" in done.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "holds no exchanges"),
        ("not json\n", ":1: not JSON"),
        ('{"service": "kms"}\n', ":1: not a cassette exchange"),
        (
            '{"service":"kms","region":"us-east-1","operation":"CreateKey","request":{},"status":200,"response":{}}\n'
            '{"service":"sqs","region":"us-east-1","operation":"X","request":{},"status":200,"response":{}}\n',
            ":2: not a cassette exchange",
        ),
    ],
)
def test_corrupt_cassettes_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(text)
    with pytest.raises(CassetteError, match=message):
        list(read(path))


def test_the_published_emulator_reports_are_of_the_pinned_moto() -> None:
    """reports/published/emulator/ (``python -m harness publish``): the three files, findings.json
    on the contract, from the moto pyproject.toml pins, every finding with both reproductions."""
    import json
    import re

    from harness.contracts import findings_validator

    published = REPO / "reports" / "published" / "emulator"
    assert sorted(p.name for p in published.iterdir()) == ["findings.json", "report.html", "report.md"]
    document = json.loads((published / "findings.json").read_text())
    findings_validator().validate(document)
    pinned = re.search(r'"moto\[server\]==([0-9.]+)"', (REPO / "pyproject.toml").read_text())
    assert pinned is not None and document["target"]["implementation"] == f"moto {pinned.group(1)}"
    assert document["seed"] == 1
    assert all(f.get("reproduce") and f.get("reproduce_cli") for f in document["findings"])
    assert f"moto {pinned.group(1)}" in (published / "report.md").read_text()
