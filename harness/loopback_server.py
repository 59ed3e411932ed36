"""A threaded HTTP server on 127.0.0.1, for the harness's own loopback proxies.

The fault proxy of the self-tests (harness.testing.fault_proxy) and the signing proxy of the
Schemathesis bridge (harness.bridges.schemathesis.proxy) each answer on a free loopback port
from a daemon thread; this is that server's start, address and stop, written once. It binds
127.0.0.1 only: nothing off the machine can reach a proxy.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POLL_SECONDS = 0.02
"""How often the serving loop looks for :meth:`LoopbackServer.stop`: ``stop`` waits for it, and at
socketserver's default of 0.5 s each of the ~200 proxied runs of the rule-fault self-test waited
~0.35 s to stop its proxy (70 s of the module's 184); an idle wake-up every 20 ms costs nothing."""


class LoopbackServer:
    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, handler: type[BaseHTTPRequestHandler]) -> None:
        """Serve ``handler`` on a free port of 127.0.0.1, each request on a daemon thread."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the proxy first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
