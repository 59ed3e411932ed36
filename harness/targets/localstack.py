"""LocalStack as a target: provisioned in its own virtualenv, started on 127.0.0.1, no Docker.

LocalStack (``localstack-core``) has its own KMS implementation, not moto's, which makes it the
second open emulator worth certifying. It cannot share the harness's environment:

* it needs Python 3.12 or newer, although its metadata says ``>=3.10``: its own code uses 3.12-only
  syntax (``class RegionBundle[BaseStoreType](dict)`` in ``localstack/services/stores.py``). Under
  3.11 pip installs it happily and it then dies at start with "No component plugins found in
  namespace localstack.runtime.components" (plux swallows the SyntaxError);
* it pins its own boto3/botocore (1.42.72), which differ from the harness's exact pins.

So :func:`install` builds a separate virtualenv with a Python 3.12+ it finds, and
:class:`LocalStackServer` runs LocalStack's runtime in a child process of that Python, the way
``MotoServer`` (``harness.targets.moto``) runs moto, with every setting that keeps it on loopback
and off the internet (see :func:`localstack_environment`; what each one prevents was measured on
2026.3.0 with strace, see the notes in the section "Facts" below).

Facts (localstack-core 2026.3.0, Linux, 2 cores):

* install: about 40 s with a warm pip cache, ~500 MB on disk;
* start: about 2.5 to 4 s until ``/_localstack/health`` reports KMS ``running`` (``EAGER_SERVICE_LOADING``);
* memory: ~125 MB resident after start, ~155 MB after the first KMS calls, with the service catalog
  built at install time; without it the first request builds the catalog from every botocore
  service model: 2.5 s and ~500 MB resident;
* stop: ~1.3 s after SIGTERM.

This module imports only the standard library and :mod:`harness.errors`: it must work (``targets
list``, ``targets install``) in a harness whose optional parts are missing, and LocalStack itself is
never imported here, only run.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from harness.errors import EXIT_HARNESS_ERROR, HarnessError, TargetError, UsageError

#: The one LocalStack release the harness provisions (and whose baseline it ships).
LOCALSTACK_VERSION = "2026.3.0"

#: What pip installs, in one command so that its resolver sees every pin at once (installing
#: service_identity alone afterwards upgraded cryptography to 50.x and broke pyopenssl 25.x).
REQUIREMENTS: tuple[str, ...] = (
    # [runtime]: the bare package lacks the gateway (rolo, twisted, hypercorn) and the service
    # providers' dependencies; it then fails with "No component plugins found".
    f"localstack-core[runtime]=={LOCALSTACK_VERSION}",
    # cbor2 6 removed the private module LocalStack imports (``from cbor2._decoder import loads``).
    "cbor2<6",
    # pyOpenSSL 26 removed ``X509.add_extensions``, which LocalStack's self-signed certificate
    # (created at every start, even for plain HTTP) still calls.
    "pyopenssl<26",
    # What pyOpenSSL 25.x itself requires; pinned here so the reason is written down.
    "cryptography<47",
    # localstack-twisted imports it unconditionally (twisted.internet._sslverify). 26.x requires
    # cryptography>=47: without the cap pip backtracks to 24.2.0 anyway, after trying it.
    "service_identity<26",
)

#: LocalStack's code needs 3.12 (see the module docstring); pip would not refuse an older one.
MIN_PYTHON = (3, 12)

#: Interpreters to try, best first: 3.13 and 3.12 are the ones LocalStack is tested with.
PYTHON_NAMES: tuple[str, ...] = ("python3.13", "python3.12", "python3")

#: Overrides, for users whose Python 3.12+ or cache lives elsewhere.
ENV_DIR_VARIABLE = "HARNESS_LOCALSTACK_ENV"
PYTHON_VARIABLE = "HARNESS_LOCALSTACK_PYTHON"

#: Written last by :func:`install`: its presence, with the same version and pins, means done.
MARKER_NAME = "harness-localstack.json"

#: Where :func:`install` keeps the prebuilt service catalog (inside the environment).
CATALOG_DIR_NAME = "service-catalog"

#: Measured ~2.5 to 4 s; a cold disk or a busy 2-core machine can take several times that.
STARTUP_TIMEOUT_SECONDS = 60.0
#: Measured ~1.3 s from SIGTERM to exit.
STOP_TIMEOUT_SECONDS = 10.0
#: pip's own default timeout is per request; this bounds a whole install that hangs.
INSTALL_TIMEOUT_SECONDS = 1800.0

#: Environment variables passed through to LocalStack; everything else is dropped, so that
#: nothing of the user's shell changes what LocalStack does (it reads dozens of variables: DEBUG,
#: PERSISTENCE, PROVIDER_OVERRIDE_KMS, ...) and no real AWS credentials enter an emulator process.
_PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "SYSTEMROOT")

#: An address no request can reach: port 65536 is not a port, so ``requests`` refuses the URL
#: before opening a socket (``InvalidURL``). LocalStack's remote service catalog and analytics
#: endpoints are pointed here (see :func:`localstack_environment`).
_NOWHERE = "http://127.0.0.1:65536/harness-disabled"

#: Runs LocalStack's runtime with its gateway bound to the GATEWAY_LISTEN host. LocalStack's twisted
#: server (its default, the one its Docker image runs) ignores the host of GATEWAY_LISTEN for IPv4
#: (``endpoints.TCP4ServerEndpoint(reactor, port)``, marked "TODO: interface = host?") and listens
#: on 0.0.0.0; measured with ss and strace. The alternatives measured worse: GATEWAY_SERVER=hypercorn
#: binds correctly but hung on SIGTERM in 3 of 5 stops (its shutdown calls ``loop.stop()`` from
#: another thread), and twisted on ``[::1]`` never runs LocalStack's ready hooks (its readiness
#: probe connects to IPv4 localhost). The patch gives twisted's own endpoint class its documented
#: ``interface`` argument; :meth:`LocalStackServer.start` then checks the listening socket.
_LAUNCHER = """\
import os, runpy
from twisted.internet import endpoints

_HOST = os.environ["GATEWAY_LISTEN"].rpartition(":")[0]


class _BoundTCP4ServerEndpoint(endpoints.TCP4ServerEndpoint):
    def __init__(self, reactor, port, backlog=50, interface=""):
        super().__init__(reactor, port, backlog, interface or _HOST)


endpoints.TCP4ServerEndpoint = _BoundTCP4ServerEndpoint
runpy.run_module("localstack.runtime.main", run_name="__main__", alter_sys=True)
"""

#: Builds LocalStack's service catalog (an index of every botocore service model) into a folder.
#: LocalStack's Docker image builds it at image build time into /usr/lib/localstack; without it
#: the first request builds it: 2.5 s and ~370 MB more resident memory (measured).
_BUILD_CATALOG = """\
import os, sys
from localstack.aws.spec import _get_catalog_filename, build_service_index_cache

build_service_index_cache(os.path.join(sys.argv[1], _get_catalog_filename()))
"""

#: Imports what fails first when a pin is missing or the Python is too old (plux hides the cause).
_SMOKE_IMPORTS = "import localstack.aws.components, localstack.services.kms.provider, twisted.internet.ssl"

#: Prints the interpreter's version if it can create a virtualenv with pip.
_PYTHON_PROBE = "import sys, venv, ensurepip; print('%d.%d.%d' % sys.version_info[:3])"


# -- where things are ----------------------------------------------------------------------------


def default_env_dir() -> Path:
    """``$HARNESS_LOCALSTACK_ENV``, else ``~/.cache/kms-harness/localstack-<version>/`` (XDG)."""
    override = os.environ.get(ENV_DIR_VARIABLE)
    if override:
        return Path(override).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "kms-harness" / f"localstack-{LOCALSTACK_VERSION}"


def env_python(env_dir: Path) -> Path:
    """The virtualenv's interpreter (``bin/python``; ``Scripts\\python.exe`` on Windows)."""
    if os.name == "nt":
        return env_dir / "Scripts" / "python.exe"
    return env_dir / "bin" / "python"


def _marker(env_dir: Path) -> dict[str, object] | None:
    """The install marker, when it describes this version with these pins."""
    try:
        data = json.loads((env_dir / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("localstack") != LOCALSTACK_VERSION or data.get("requirements") != list(REQUIREMENTS):
        return None
    return data


def _installed(env_dir: Path) -> bool:
    return _marker(env_dir) is not None and env_python(env_dir).exists()


# -- finding a Python 3.12+ ----------------------------------------------------------------------


def _probe(executable: str) -> tuple[int, ...] | None:
    """The version of ``executable`` if it runs and can make a virtualenv, else None.

    Running it is the only test that holds: a pyenv shim for python3.13 is on PATH even when that
    version is not selected, and then fails ("pyenv: python3.13: command not found"; measured).
    """
    try:
        done = subprocess.run(
            [executable, "-c", _PYTHON_PROBE],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", done.stdout.strip())
    if done.returncode != 0 or match is None:
        return None
    return tuple(int(part) for part in match.groups())


def _pyenv_candidates(pyenv_root: Path) -> list[str]:
    """pyenv's installed CPython 3.12+ (``versions/3.13.0/bin/python3``), newest first."""
    found: list[tuple[tuple[int, ...], str]] = []
    with contextlib.suppress(OSError):
        for version_dir in (pyenv_root / "versions").iterdir():
            # Plain releases only: "3.13.0", not "3.13.0t" (free-threaded) or "3.14-dev".
            match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version_dir.name)
            executable = version_dir / "bin" / "python3"
            if match and executable.exists():
                found.append((tuple(int(p) for p in match.groups()), str(executable)))
    return [path for version, path in sorted(found, reverse=True) if version[:2] >= MIN_PYTHON]


def python_candidates() -> list[str]:
    """Where :func:`find_python` looks, in order (duplicates removed)."""
    candidates: list[str] = []
    override = os.environ.get(PYTHON_VARIABLE)
    if override:
        candidates.append(override)
    for name in PYTHON_NAMES:
        path = shutil.which(name)
        if path:
            candidates.append(path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates.extend(_pyenv_candidates(pyenv_root))
    return list(dict.fromkeys(candidates))


def find_python() -> tuple[str, str]:
    """A Python 3.12+ that can make a virtualenv: ``(executable, version)``; UsageError if none.

    ``$HARNESS_LOCALSTACK_PYTHON`` is tried first; a Python it names that does not qualify is not
    silently replaced by another one.
    """
    override = os.environ.get(PYTHON_VARIABLE)
    for executable in python_candidates():
        version = _probe(executable)
        if version is not None and version[:2] >= MIN_PYTHON:
            return executable, ".".join(map(str, version))
        if override and executable == override:
            raise UsageError(
                f"{PYTHON_VARIABLE}={override} is not a Python 3.12 or newer with venv and ensurepip"
            )
    raise UsageError(
        f"LocalStack {LOCALSTACK_VERSION} needs Python 3.12 or newer with venv, and none was found "
        f"(looked for {', '.join(PYTHON_NAMES)} on PATH and in pyenv's versions): install one "
        f"(e.g. `pyenv install 3.13` or your system's python3.13-venv package) or set {PYTHON_VARIABLE}"
    )


# -- provisioning --------------------------------------------------------------------------------


@contextlib.contextmanager
def _install_lock(env_dir: Path) -> Iterator[None]:
    """One install of a given folder at a time (two test workers may ask at once)."""
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    with (env_dir.parent / f".{env_dir.name}.lock").open("a") as lock:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks in the standard library; go on unlocked.
            yield
            return
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run_logged(
    command: Sequence[str], log: IO[str], what: str, env: Mapping[str, str] | None = None
) -> None:
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    try:
        done = subprocess.run(
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=INSTALL_TIMEOUT_SECONDS,
            env=None if env is None else dict(env),
        )
    except subprocess.TimeoutExpired:
        raise TargetError(
            f"{what} did not finish in {INSTALL_TIMEOUT_SECONDS:.0f} s (see {log.name})"
        ) from None
    except OSError as e:
        raise TargetError(f"{what} could not run: {e} (see {log.name})") from e
    if done.returncode != 0:
        raise TargetError(f"{what} failed with exit code {done.returncode} (see {log.name})")


def _clear_for_install(env_dir: Path) -> None:
    """Empty ``env_dir`` for a fresh install: a partial one may hold packages at other versions.

    Only a folder that is empty or a virtualenv (``pyvenv.cfg``) is removed: a mistyped
    HARNESS_LOCALSTACK_ENV must not delete someone's home folder.
    """
    if env_dir.exists():
        if not env_dir.is_dir() or (any(env_dir.iterdir()) and not (env_dir / "pyvenv.cfg").exists()):
            raise UsageError(
                f"{env_dir} exists and is not a LocalStack environment of the harness; "
                f"remove it or set {ENV_DIR_VARIABLE} to another folder"
            )
        shutil.rmtree(env_dir)
    env_dir.mkdir(parents=True)


def install(env_dir: Path | None = None) -> Path:
    """Provision LocalStack's virtualenv (default :func:`default_env_dir`) and return its folder.

    Idempotent: a folder whose marker names this version and these pins is returned at once. A
    partial install (no marker: interrupted, or pip failed) is rebuilt from scratch. Raises
    :class:`UsageError` when no Python 3.12+ is found, :class:`TargetError` when a step fails (the
    message names the log, ``install.log`` in the folder).
    """
    env_dir = (env_dir or default_env_dir()).expanduser().absolute()
    if _installed(env_dir):
        return env_dir
    with _install_lock(env_dir):
        if _installed(env_dir):  # another process finished it while we waited
            return env_dir
        python, python_version = find_python()
        started = time.monotonic()
        _clear_for_install(env_dir)
        log_path = env_dir.parent / f"{env_dir.name}-install.log"
        with log_path.open("w", encoding="utf-8") as log:
            _run_logged([python, "-m", "venv", str(env_dir)], log, f"creating the virtualenv {env_dir}")
            venv_python = str(env_python(env_dir))
            _run_logged(
                [
                    venv_python,
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    *REQUIREMENTS,
                ],
                log,
                f"pip install of localstack-core {LOCALSTACK_VERSION}",
            )
            _run_logged([venv_python, "-c", _SMOKE_IMPORTS], log, "importing LocalStack's KMS provider")
            catalog = env_dir / CATALOG_DIR_NAME
            catalog.mkdir()
            with tempfile.TemporaryDirectory(prefix="harness-localstack-build-") as root:
                _run_logged(
                    [venv_python, "-c", _BUILD_CATALOG, str(catalog)],
                    log,
                    "building LocalStack's service catalog",
                    env=localstack_environment(Path(root), port=4566),
                )
        seconds = round(time.monotonic() - started, 1)
        marker = {
            "localstack": LOCALSTACK_VERSION,
            "requirements": list(REQUIREMENTS),
            "python": python_version,
            "base_python": python,
            "installed_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "install_seconds": seconds,
        }
        shutil.move(log_path, env_dir / "install.log")
        (env_dir / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return env_dir


def readiness(env_dir: Path | None = None) -> tuple[bool, str]:
    """Whether LocalStack can be started now, and what to do if not (a target kind's ``ready()``)."""
    env_dir = (env_dir or default_env_dir()).expanduser().absolute()
    marker = _marker(env_dir)
    if marker is not None and env_python(env_dir).exists():
        return True, f"localstack {LOCALSTACK_VERSION} in {env_dir} (Python {marker.get('python')})"
    if not env_dir.exists():
        why = f"no environment at {env_dir}"
    elif (env_dir / MARKER_NAME).exists():
        why = f"{env_dir} holds another LocalStack version or other pins"
    else:
        why = f"{env_dir} holds an unfinished install"
    try:
        find_python()
    except UsageError:
        why += "; and no Python 3.12+ was found (install python3.13)"
    return False, f"{why}; run `python -m harness targets install localstack`"


def status(env_dir: Path | None = None) -> str:
    """One line for ``targets list``: ``ready: ...`` or ``not installed: <why>; <what to run>``."""
    ok, detail = readiness(env_dir)
    return f"ready: {detail}" if ok else f"not installed: {detail}"


# -- running -------------------------------------------------------------------------------------


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def localstack_environment(root: Path, port: int) -> dict[str, str]:
    """LocalStack's whole environment: KMS only, on 127.0.0.1:``port``, everything under ``root``.

    The comments say what each setting prevents (measured on 2026.3.0 with strace and ss).
    """
    env = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
    env.update(
        {
            # Only KMS. Payment Cryptography has no provider in LocalStack's community edition:
            # it answers 501 for every call whatever SERVICES says (the "does a provider exist"
            # check comes before the SERVICES check), so naming it here changes nothing.
            "SERVICES": "kms",
            # Load KMS before /_localstack/health reports it, so "running" means ready to answer.
            "EAGER_SERVICE_LOADING": "1",
            "GATEWAY_LISTEN": f"127.0.0.1:{port}",
            # twisted is LocalStack's default (and the Docker image's); _LAUNCHER binds its host.
            "GATEWAY_SERVER": "twisted",
            # Otherwise LocalStack may believe it is in a container (on a CI machine that is one)
            # and use /var/lib/localstack, /etc/localstack and /tmp/localstack.
            "OVERRIDE_IN_DOCKER": "0",
            "FILESYSTEM_ROOT": str(root),
            # Profiles are read from CONFIG_DIR/default.env (default ~/.localstack): not the user's.
            "CONFIG_DIR": str(root / "config"),
            # LocalStack's DNS server would listen on port 53 of 0.0.0.0.
            "DNS_ADDRESS": "0",
            # No analytics events (and ANALYTICS_API goes nowhere, should one be sent anyway).
            "DISABLE_EVENTS": "1",
            "ANALYTICS_API": _NOWHERE,
            # Without it, every start tries to download a TLS certificate from LocalStack's servers
            # (two DNS look-ups, then a 5 s timeout per URL where the network is up).
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            # An unimplemented operation makes LocalStack ask its remote service catalog what to
            # say; pointed nowhere, it falls back to its local catalog at once, and the 501 body
            # is the same on every machine, online or not.
            "API_ENDPOINT": _NOWHERE,
            # Explicit defaults: state lives and dies with the process.
            "PERSISTENCE": "0",
            # Complete logs even when LocalStack is killed.
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _listening_addresses(port: int) -> set[str] | None:
    """The local IPv4/IPv6 addresses listening on TCP ``port`` (Linux /proc); None elsewhere."""
    addresses: set[str] = set()
    found_table = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        found_table = True
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                addresses.add(address)
    return addresses if found_table else None


#: 127.0.0.1 as /proc/net/tcp writes it (little-endian hex).
_LOOPBACK_HEX = "0100007F"


@dataclass
class LocalStackServer:
    """A LocalStack process (KMS only) on a free loopback port, from :func:`install`'s virtualenv."""

    port: int = 0
    log_path: Path | None = None
    env_dir: Path | None = None
    """The provisioned virtualenv; :func:`default_env_dir` when None."""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    version: str = LOCALSTACK_VERSION
    """What LocalStack's health endpoint said it is, once started."""
    _log: IO[bytes] | None = field(default=None, repr=False)
    _root: Path | None = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def implementation(self) -> str:
        return f"localstack {self.version}"

    def start(self) -> LocalStackServer:
        env_dir = (self.env_dir or default_env_dir()).expanduser().absolute()
        ok, detail = readiness(env_dir)
        if not ok:
            raise TargetError(f"the localstack target is not installed: {detail}")
        self.env_dir = env_dir
        # A port taken between probing and binding makes LocalStack exit at once; try again.
        problem = ""
        for _ in range(3):
            self.port = free_loopback_port()
            self._spawn(env_dir)
            problem = self._wait_ready() or self._check_loopback_only()
            if not problem:
                return self
            exited_early = self.process is not None and self.process.poll() is not None
            self.stop()
            if not exited_early:  # a timeout or a wrong bind will not go away with another port
                break
        raise TargetError(f"LocalStack {LOCALSTACK_VERSION} did not start on 127.0.0.1: {problem}")

    def _spawn(self, env_dir: Path) -> None:
        self._root = Path(tempfile.mkdtemp(prefix="harness-localstack-"))
        # The catalog built at install time, where LocalStack looks for a prebuilt one.
        static_libs = self._root / "usr" / "lib" / "localstack"
        static_libs.mkdir(parents=True)
        for catalog in (env_dir / CATALOG_DIR_NAME).glob("*.dill"):
            shutil.copy2(catalog, static_libs / catalog.name)
        log_path = self.log_path or self._root / "localstack.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            [str(env_python(env_dir)), "-c", _LAUNCHER],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=localstack_environment(self._root, self.port),
            # -c puts the working directory on sys.path: the empty temporary folder, not the user's.
            cwd=self._root,
            # Its own process group: stop() can kill anything it started, and a Ctrl-C in the
            # terminal reaches the harness, which stops LocalStack itself.
            start_new_session=True,
        )

    def _wait_ready(self) -> str:
        """'' once KMS is running, else why not (one line), within STARTUP_TIMEOUT_SECONDS."""
        # No proxy: an http_proxy of the user's environment must not see (or break) loopback calls.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        delay = 0.05
        kms = "unknown"
        while time.monotonic() < deadline:
            if self.process is None:
                return "it was not started"
            code = self.process.poll()
            if code is not None:
                return f"it exited with code {code} before it was ready ({self._log_hint()})"
            try:
                with opener.open(f"{self.endpoint_url}/_localstack/health", timeout=2) as answer:
                    health = json.loads(answer.read())
                kms = str(health.get("services", {}).get("kms", "missing"))
                if kms == "running":
                    self.version = str(health.get("version") or LOCALSTACK_VERSION)
                    return ""
                if kms == "error":
                    return f"its KMS service failed to load ({self._log_hint()})"
            except (urllib.error.URLError, OSError, ValueError, AttributeError):
                pass
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        return (
            f"KMS was not running after {STARTUP_TIMEOUT_SECONDS:.0f} s "
            f"(health says {kms!r}; {self._log_hint()})"
        )

    def _check_loopback_only(self) -> str:
        """'' when the gateway listens on 127.0.0.1 only (Linux; elsewhere trusted), else why."""
        addresses = _listening_addresses(self.port)
        if addresses is None or addresses == {_LOOPBACK_HEX}:
            return ""
        return f"its gateway listens on more than 127.0.0.1 (/proc/net/tcp: {sorted(addresses)}); refused"

    def _log_hint(self) -> str:
        """The log's last line and where it is (the temporary one is removed by stop())."""
        path = self.log_path or (self._root / "localstack.log" if self._root else None)
        if path is None:
            return "no log"
        try:
            lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            lines = []
        last = f"last line: {lines[-1].strip()[:300]!r}; " if lines else ""
        return f"{last}log {path}" if self.log_path else f"{last}set a log path to keep its log"

    def stop(self) -> None:
        """SIGTERM (LocalStack's own shutdown, ~1.3 s), then SIGKILL to its process group."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._kill_group()
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            self.process = None
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def _kill_group(self) -> None:
        if self.process is None:
            return
        if os.name == "posix":
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        else:
            self.process.kill()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m harness.targets.localstack [install|status]``, until the CLI has ``targets``."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args == ["install"]:
            print(install())
            return 0
        if args in ([], ["status"]):
            print(status())
            return 0
    except HarnessError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_HARNESS_ERROR
    print("usage: python -m harness.targets.localstack [install|status]", file=sys.stderr)
    return EXIT_HARNESS_ERROR


if __name__ == "__main__":
    sys.exit(main())
