"""The default target: moto's real HTTP server, started on 127.0.0.1 by the harness.

moto runs in a child process (``python -m moto.server``) so that its state, threads
and logging are its own, and so that stopping it is a process kill, not a hope.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO

from harness.errors import TargetError, UsageError
from harness.targets.base import ActiveTarget, TargetConfig, TargetRequest, register_target, serving

#: How long moto may take to answer its first request. Its import of every service
#: backend takes about a second on the CI machine; a slow disk can take a few more.
STARTUP_TIMEOUT_SECONDS = 60.0


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def moto_version() -> str | None:
    try:
        return metadata.version("moto")
    except metadata.PackageNotFoundError:
        return None


@dataclass
class MotoServer:
    """A moto server process on a free loopback port."""

    port: int = 0
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def implementation(self) -> str:
        version = moto_version()
        return f"moto {version}" if version else "moto"

    def start(self) -> MotoServer:
        if moto_version() is None:
            raise TargetError("the emulator target needs moto[server]; pip install 'moto[server]'")
        # A port taken between probing and binding makes moto exit at once; try again.
        for _ in range(3):
            self.port = free_loopback_port()
            self._spawn()
            if self._wait_ready():
                return self
            self.stop()
        raise TargetError(f"the moto server did not start on 127.0.0.1 (see {self.log_path or 'its output'})")

    def _spawn(self) -> None:
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("ab")
        out = self._log if self._log is not None else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/data.json", timeout=2):
                    return True
            except (urllib.error.URLError, OSError):
                # A steady short poll: moto is up within about a second, and a refused connection
                # on loopback costs microseconds; a growing delay kept each start waiting up to
                # half a second after moto was ready (every run, every xdist worker).
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process is not None:
            # Killed, not terminated: moto keeps nothing on disk and its log lines are already
            # written (the logging handler flushes each one), while its SIGTERM handler exits through the
            # interpreter's finalisation of a run's worth of keys: 0.2-0.5 s at the end of every
            # run and every worker, where SIGKILL takes milliseconds.
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None


class EmulatorTarget:
    """``emulator`` (the default): moto's real HTTP server on loopback, started and stopped by the
    harness, with fixed test credentials."""

    name = "emulator"
    description = "moto on 127.0.0.1, started and stopped by the harness"
    usual_endpoint = "http://127.0.0.1:5000"
    """What reproduction scripts name (moto's usual port); a run uses a free one."""
    #: Only the common keys: an emulator is started here, on loopback, with fixed test credentials.
    file_keys: frozenset[str] = frozenset()

    def configure(self, request: TargetRequest) -> TargetConfig:
        if request.endpoint_url:
            raise UsageError("--endpoint-url is for --target=endpoint; the emulator picks its own")
        return TargetConfig(self.name, None, request.region, request.replica_region)

    def ready(self) -> tuple[bool, str]:
        version = moto_version()
        if version is None:
            return False, "needs moto[server]: pip install 'moto[server]'"
        return True, f"moto {version}"

    @contextmanager
    def activate(self, config: TargetConfig, log_dir: Path | None) -> Iterator[ActiveTarget]:
        with serving(config, MotoServer(log_path=log_dir / "moto.log" if log_dir else None)) as active:
            yield active


register_target(EmulatorTarget())
