"""``python -m harness schemathesis --target=NAME``: Schemathesis through the signing proxy, for a
time budget, its 5xx answers and crashes judged by the harness and written as findings.

What Schemathesis adds is breadth of malformed input (bodies that are not JSON, members of the
wrong type, boundary lengths), not an oracle of KMS: its status-code checks ("accepted invalid
input", "rejected valid input") are guesses from the schema, which the rulebook contradicts in
many places (undocumented bounds, any-4xx cases, state rules). So it runs with the one check no
document can overrule, ``not_a_server_error``, and the harness looks at every answer itself:

1. the specs are exported as an OpenAPI description (:mod:`.openapi`), written to the report
   directory;
2. Schemathesis's CLI runs against the signing proxy (:mod:`.proxy`) for ``--max-time`` seconds,
   with one worker, so the proxy sends its requests in order;
3. every exchange goes into the report directory's ``schemathesis/cassette.jsonl`` and through the
   engine's judge (:class:`harness.engine.judge.Judge`, a complete model as a run's session has),
   in order; an answer with status 5xx or no answer at all becomes a finding: the judge's own
   ``server-error`` (or ``not-implemented``, for HTTP 501) divergence, with the rule that decides
   the request, so its id is the one the suite gives the same fault; when no rule decides the
   request, a ``server-error`` of :data:`FALLBACK_RULE` (a client's request gets a success or a
   4xx, never a 5xx: rulebook rules 4-5). Nothing else the judge says is kept: this command
   reports crashes, the suite reports the rest;
4. each finding carries Schemathesis's reproduction (its test case and its curl through the
   proxy) above the harness's script, and the harness's own curl in ``reproduce_cli``.

The findings go into ``--report-dir``'s findings.json: when one of a run against the same target
is there, they are added to it (harness.merge), otherwise a new one is written; report.md,
report.html and junit.xml are written again beside it. Schemathesis runs in a child process, its
documented interface: its Hypothesis settings and pytest plugins stay out of this process.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness import redaction, reproduce, reproduce_cli
from harness.cassette import CassetteWriter
from harness.checks import Divergence, Kind
from harness.credentials import Credentials
from harness.engine.execution import record
from harness.engine.judge import Judge, Judgement
from harness.engine.model import Model
from harness.errors import HarnessError, TargetError, UsageError
from harness.exchange import Exchange
from harness.findings import Finding, FindingsLog
from harness.oracle.rules import Expectation
from harness.oracle.service_facts import facts_of
from harness.report import write_json_atomic
from harness.spec import catalog
from harness.spec.catalog import Spec
from harness.targets.base import TargetConfig

from . import openapi
from .proxy import SigningProxy

INSTALL_HINT = "pip install 'kms-conformance-harness[schemathesis]'"
DEFAULT_MAX_TIME = 60
DEFAULT_SEED = 1
#: The kinds of divergence this command reports: a server error (5xx, or no answer) and the
#: 501 of an operation the target does not implement. Never an outcome guessed from a schema.
KINDS: frozenset[Kind] = frozenset({"server-error", "not-implemented"})
#: The rule of a 5xx to a request no rule decides (``<prefix>.server-error``).
FALLBACK_RULE = "{prefix}.server-error"
#: Target kinds Schemathesis is never run against: a real account would pay for every key it
#: creates at random, and nothing would delete them.
REFUSED_KINDS = frozenset({"aws"})
#: Schemathesis's configuration, written beside its reports. Its crash cache is off: it would
#: replay the crashes of earlier runs first, so a run would depend on the runs before it (and
#: it writes ``.schemathesis/`` into the working directory).
CONFIG_NAME = "schemathesis.toml"
CONFIG = "[cache]\nenabled = false\n"
#: Seconds the child process may run past its budget (start-up, schema loading, its report).
GRACE_SECONDS = 120


@dataclass(frozen=True, slots=True)
class Case:
    """One of Schemathesis's test cases, as its NDJSON report describes it."""

    id: str
    label: str
    """How Schemathesis names it: phase and scenario (``coverage: Missing request body``)."""
    curl: str


@dataclass
class BridgeResult:
    findings: list[Finding]
    exchanges: int
    crashes: int
    """Exchanges answered 5xx or not at all."""
    seconds: float
    kind: str = ""
    """The target's kind (its default baseline is the kind's when it has none of its own)."""
    schemathesis: dict[str, Any] = field(default_factory=dict)
    """What Schemathesis's own report says: version, test cases, its unique failures."""
    errors: list[str] = field(default_factory=list)
    sent: list[tuple[str, bytes, Exchange]] = field(default_factory=list, repr=False)
    """Every call the proxy sent, in order (path, body as Schemathesis sent it, exchange)."""


def crashed(exchange: Exchange) -> bool:
    return exchange.status is None or exchange.status >= 500


def fallback(exchange: Exchange) -> Divergence:
    """A 5xx (or no answer) to a request no documented rule decides."""
    rule = FALLBACK_RULE.format(prefix=facts_of(exchange.service).rule_prefix)
    answer = "no answer" if exchange.status is None else f"HTTP {exchange.status}"
    return Divergence(
        rule=rule,
        kind="server-error",
        service=exchange.service,
        operation=exchange.operation,
        expected=Expectation(
            "any-4xx",
            detail="success or a 4xx: no rule decides this request, but a client's request never earns a 5xx",
        ),
        detail=(
            f"no answer ({exchange.transport_error})"
            if exchange.status is None
            else f"HTTP {exchange.status} to a request no rule decides"
        ),
        signature=f"success or a client error -> {answer}",
        status=exchange.status,
        error=exchange.error_code,
        message=exchange.error_message,
    )


def judge_crashes(
    spec: Spec, exchanges: Iterable[Exchange], unjudged: list[str] | None = None
) -> tuple[FindingsLog, int]:
    """The findings of the crashes among ``exchanges``, judged in order by one judge whose
    model follows every answer (a fresh run's: complete).

    Schemathesis sends what no rule test draws (an object where a string belongs, at any depth),
    and a model handler may fail on it. That is a harness bug, noted in ``unjudged``, never a
    finding; a crash of the target on that request is still reported, under :data:`FALLBACK_RULE`.
    """
    judge = Judge(spec, Model(complete=True))
    log = FindingsLog()
    crashes = 0
    for number, exchange in enumerate(exchanges, start=1):
        try:
            judged = judge.judge(exchange)
        except Exception as exc:  # the harness's own fault, on a request it never meant to send
            if unjudged is not None:
                unjudged.append(
                    f"exchange {number} ({exchange.service}:{exchange.operation}): the judge failed "
                    f"({type(exc).__name__}: {exc}); please report it"
                )
            judged = Judgement(exchange, None, ())
        if not crashed(exchange):
            continue
        crashes += 1
        kept = tuple(d for d in judged.divergences if d.kind in KINDS) or (fallback(exchange),)
        record(log, Judgement(exchange, judged.prediction, kept), (), counts=lambda _rule: True)
    return log, crashes


# -- Schemathesis's report ------------------------------------------------------------------


def _body(request: Mapping[str, Any]) -> bytes:
    body = request.get("body")
    if isinstance(body, Mapping) and "$base64" in body:
        return base64.b64decode(str(body["$base64"]))
    if isinstance(body, str):
        return body.encode("utf-8")
    return b""


def _shown(body: bytes) -> str:
    """The body as findings.json may show it: a JSON object with its secret members as tokens
    (harness.redaction, as every record of the run), anything else as it was sent."""
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if isinstance(document, dict) and redaction.holds_secrets(document):
        return json.dumps(redaction.redact(document))
    return body.decode("utf-8", errors="backslashreplace")


def _curl(request: Mapping[str, Any], body: bytes) -> str:
    parts = ["curl", "-X", str(request.get("method", "POST"))]
    headers = request.get("headers") or {}
    for name, values in sorted(headers.items()):
        for value in values if isinstance(values, list) else [values]:
            parts += ["-H", f"{name}: {value}"]
    if body:
        parts += ["--data-binary", _shown(body)]
    parts.append(str(request.get("uri", "")))
    return " ".join(shlex.quote(p) for p in parts)


def cases(ndjson: Path) -> dict[tuple[str, bytes], Case]:
    """Schemathesis's test cases by (path, body) as sent, from its NDJSON event stream."""
    from urllib.parse import urlsplit

    found: dict[tuple[str, bytes], Case] = {}
    for line in ndjson.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        finished = event.get("ScenarioFinished") if isinstance(event, dict) else None
        if not isinstance(finished, dict):
            continue
        recorder = finished.get("recorder") or {}
        described = recorder.get("cases") or {}
        for case_id, interaction in (recorder.get("interactions") or {}).items():
            request = interaction.get("request") or {}
            if request.get("method") != "POST":
                continue  # the proxy sends POST only: another method never reached the target
            body = _body(request)
            path = urlsplit(str(request.get("uri", ""))).path
            meta = ((described.get(case_id) or {}).get("value") or {}).get("meta") or {}
            phase = meta.get("phase") or {}
            description = (phase.get("data") or {}).get("description") or meta.get("generation", {}).get(
                "mode", ""
            )
            label = f"{phase.get('name', '?')}: {description}" if description else str(phase.get("name", "?"))
            found.setdefault((path, body), Case(case_id, label, _curl(request, body)))
    return found


def _summary(json_report: Path | None) -> dict[str, Any]:
    if json_report is None:
        return {}
    try:
        document = json.loads(json_report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        "version": document.get("schemathesis_version"),
        "seed": document.get("seed"),
        "stop_reason": document.get("stop_reason"),
        "test_cases": document.get("test_cases"),
        "unique_failures": sum(int(f.get("count", 0)) for f in document.get("failures") or []),
    }


# -- running ---------------------------------------------------------------------------------


def require_schemathesis() -> None:
    if importlib.util.find_spec("schemathesis") is None:
        raise UsageError(f"the schemathesis command needs Schemathesis: {INSTALL_HINT}")


def schemathesis_command(
    description: Path,
    url: str,
    *,
    max_time: int,
    seed: int,
    report_dir: Path,
    checks: str = "not_a_server_error",
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(report_dir / CONFIG_NAME),
        "run",
        str(description),
        "--url",
        url,
        "--max-time",
        str(max_time),
        "--seed",
        str(seed),
        # No example database: like the crash cache, it would make a run replay earlier runs'.
        "--generation-database",
        "none",
        # The one check no document overrules; the harness judges every answer itself.
        "--checks",
        checks,
        # One worker: the proxy sends in order, so the judge's model follows the target.
        "--workers",
        "1",
        "--report",
        "ndjson,json",
        "--report-dir",
        str(report_dir),
        "--report-ndjson-path",
        str(report_dir / "events.ndjson"),
        "--report-json-path",
        str(report_dir / "report.json"),
        # Its output shows plaintext tokens and key ids as they are (they are the harness's tokens).
        "--output-sanitize",
        "false",
    ]


@dataclass(frozen=True, slots=True)
class BridgeOptions:
    target: str = "emulator"
    report_dir: Path = Path("reports") / "schemathesis"
    max_time: int = DEFAULT_MAX_TIME
    seed: int = DEFAULT_SEED
    profile: str = "aws"
    operations: tuple[str, ...] = ()
    targets_file: Path | None = None
    endpoint_url: str | None = None
    """For ``--target=endpoint``: the URL of the running endpoint."""
    checks: str = "not_a_server_error"
    """Schemathesis's checks. The command keeps its one; the side-by-side benchmark
    (benchmarks/schemathesis_comparison.py) runs them all, to count its guesses."""


def run(options: BridgeOptions) -> BridgeResult:
    """Run Schemathesis against ``options.target`` and return its crashes as findings."""
    from harness import targets
    from harness.services import load as load_services

    if options.max_time < 1:
        raise UsageError(f"--max-time={options.max_time} must be at least 1 second")
    load_services()
    spec = catalog.load(options.profile)
    chosen = openapi.selected(spec, options.operations)
    targets_file = targets.load_targets_file(options.targets_file)
    config = targets.resolve(options.target, endpoint_url=options.endpoint_url, targets_file=targets_file)
    if config.kind_name in REFUSED_KINDS:
        raise UsageError(
            f"--target={options.target}: Schemathesis is not run against a real account (it would "
            "create keys at random that nothing deletes); use the emulator or an endpoint"
        )
    require_schemathesis()  # after the options: a bad one is named first, whatever is installed
    credentials = targets.credentials_for(config)
    out = options.report_dir / "schemathesis"
    out.mkdir(parents=True, exist_ok=True)
    description = out / "openapi.json"
    write_json_atomic(description, openapi.export(spec, chosen))
    (out / CONFIG_NAME).write_text(CONFIG, encoding="utf-8")
    cassette = CassetteWriter(out / "cassette.jsonl", history_start=True)
    log_dir = Path(tempfile.mkdtemp(prefix="harness-schemathesis-"))
    started = time.monotonic()
    try:
        sent, errors, implementation, endpoint_url = _drive(
            config, credentials, spec, cassette, log_dir, description, options
        )
    except BaseException:
        cassette.discard()
        raise
    cassette.commit()
    for target_log in sorted(log_dir.glob("*.log")):
        # The target's own log (moto's tracebacks of its 500s), as a run keeps it.
        name = "emulator.log" if target_log.name == "moto.log" else target_log.name
        shutil.copyfile(target_log, out / name)
    seconds = time.monotonic() - started
    log, crash_count = judge_crashes(spec, (exchange for _, _, exchange in sent), errors)
    requests = {id(exchange): (path, body) for path, body, exchange in sent}
    by_request = cases(out / "events.ndjson") if (out / "events.ndjson").is_file() else {}
    usual = getattr(targets.TARGETS[config.kind_name], "usual_endpoint", None)
    endpoint = usual or endpoint_url
    findings = [_reproduced(f, requests, by_request, endpoint, options) for f in log]
    summary = _summary(out / "report.json" if (out / "report.json").is_file() else None)
    summary["implementation"] = implementation
    return BridgeResult(findings, len(sent), crash_count, seconds, config.kind_name, summary, errors, sent)


def _drive(
    config: TargetConfig,
    credentials: Credentials,
    spec: Spec,
    cassette: CassetteWriter,
    log_dir: Path,
    description: Path,
    options: BridgeOptions,
) -> tuple[list[tuple[str, bytes, Exchange]], list[str], str | None, str]:
    """Start the target and the proxy, run Schemathesis; what the proxy sent, in order."""
    from harness import targets
    from harness.transport import Transport

    out = description.parent
    with targets.activate(config, log_dir=log_dir) as active:
        cassette.open()
        transport = Transport(
            endpoints=active.endpoints,
            default_region=config.region,
            credentials=credentials,
            network=config.network,
            listeners=[cassette.write],
            verify=config.verify,
        )
        with SigningProxy(spec, transport, config.region) as proxy:
            command = schemathesis_command(
                description,
                proxy.url,
                max_time=options.max_time,
                seed=options.seed,
                report_dir=out,
                checks=options.checks,
            )
            _run_child(command, out / "schemathesis.log", options.max_time + GRACE_SECONDS)
            errors = list(proxy.errors)
            sent = list(proxy.sent)
        return sent, errors, active.implementation, active.endpoint_url


def _run_child(command: Sequence[str], log: Path, timeout: float) -> None:
    with log.open("wb") as handle:
        try:
            subprocess.run(
                command,
                cwd=log.parent,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise TargetError(
                f"Schemathesis ran {timeout:.0f} s past its start and was stopped (see {log})"
            ) from None
        except OSError as exc:
            raise HarnessError(f"cannot start Schemathesis ({exc.strerror or exc})") from None


def _reproduced(
    finding: Finding,
    sent: Mapping[int, tuple[str, bytes]],
    by_request: Mapping[tuple[str, bytes], Case],
    endpoint: str,
    options: BridgeOptions,
) -> Finding:
    """``finding`` with Schemathesis's reproduction above the harness's, and the harness's curl."""
    exchange = finding.exchange
    scripted = reproduce.attach(finding, endpoint=endpoint, profile=options.profile)
    scripted = reproduce_cli.attach(scripted, endpoint=endpoint)
    request = sent.get(id(exchange))
    case = by_request.get(request) if request is not None else None
    if case is None:
        head = "# Schemathesis's test case was not found in its report; the harness's reproduction:\n"
    else:
        head = (
            f"# Schemathesis test case {case.id} ({case.label}), seed {options.seed}; its reproduction, "
            "through the harness's signing proxy (python -m harness schemathesis):\n"
            f"#   {case.curl}\n"
            "# The same request, signed and sent to the target by the harness:\n"
        )
    return replace(scripted, reproduce=head + scripted.reproduce)


__all__ = ["BridgeOptions", "BridgeResult", "run"]
