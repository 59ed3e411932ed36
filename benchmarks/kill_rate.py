"""Kill rate: inject one fault per rule test and count how many the harness catches.

    python benchmarks/kill_rate.py [--examples N] [--seed S] [-k SUBSTRING]

For every rule test, a proxy in front of moto repairs every answer into what the
documentation requires and breaks the answers that one rule decides (harness.testing.
oracle_faults). A fault is *killed* when the rule fails with a finding the repaired
baseline run did not have. Prints the kill rate, the calls to detection (median and
worst) and every survivor. A count, not a timing: run it anywhere.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from harness.engine.rule_runs import RuleRun
from harness.engine.session import Session
from harness.engine.tests import rule_tests
from harness.options import RunOptions
from harness.scenarios import RuleTest
from harness.targets import resolve
from harness.targets.moto import MotoServer
from harness.testing.fault_proxy import FaultProxy
from harness.testing.oracle_faults import RuleFaults


def run_tests(
    upstream: str, tests: list[RuleTest], faults: RuleFaults, seed: int, examples: int
) -> dict[str, RuleRun]:
    with FaultProxy(upstream, [faults.fault()]) as proxy, tempfile.TemporaryDirectory() as tmp:
        session = Session(
            RunOptions(
                target=resolve("endpoint", endpoint_url=proxy.url),
                report_dir=Path(tmp),
                seed=seed,
                examples=examples,
                shrink_calls=0,
            )
        )
        session.selected_rules = frozenset(t.rule for t in tests)
        runs = {t.name: session.run_rule(t) for t in tests}
        session.abort()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--examples", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("-k", dest="select", default="", help="only rule tests whose name contains this")
    args = parser.parse_args()
    tests = [t for t in rule_tests() if args.select in t.name]
    server = MotoServer().start()
    try:
        repaired = run_tests(server.endpoint_url, tests, RuleFaults(), args.seed, args.examples)
        killed, advisories, survivors, detection = 0, 0, [], []
        for test in tests:
            faults = RuleFaults(break_rule=test.rule)
            run = run_tests(server.endpoint_url, [test], faults, args.seed, args.examples)[test.name]
            new = {f.id for f in run.findings} - {f.id for f in repaired[test.name].findings}
            if run.status in ("failed", "advisory") and new:
                # An inferred rule's fault is reported as an advisory (never failing a run): caught,
                # and counted apart.
                killed += run.status == "failed"
                advisories += run.status == "advisory"
                if run.calls_to_detection is not None:
                    detection.append(run.calls_to_detection)
            else:
                survivors.append(f"{test.name} ({run.status}; faults injected: {faults.broken})")
    finally:
        server.stop()
    rate = (killed + advisories) / len(tests)
    print(
        f"faults injected: {len(tests)} (one per rule test); killed: {killed + advisories} "
        f"({killed} as findings, {advisories} as advisories of inferred rules); kill rate {rate:.1%}"
    )
    if detection:
        print(
            f"calls to detection: median {statistics.median(detection):g}, max {max(detection)} "
            f"(over {len(detection)} killed faults)"
        )
    for survivor in survivors:
        print(f"survived: {survivor}")


if __name__ == "__main__":
    main()
