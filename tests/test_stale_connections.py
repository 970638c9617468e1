"""A kept-alive connection the server closes as a request goes out on it (an idle timeout
racing the request) is the server's doing, not an attempt: the request is sent again at
once on a new connection, once, and the API's own answer (here HTTP 400
``Throttling.User``) stays the error. A loopback server answers the first request of each
connection with that throttling answer, without ``Connection: close``, then closes the
connection (FIN, or RST) when the next request arrives on it, unanswered."""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator

import pytest
from clihelp import aliread as run_cli
from clihelp import elements

import pulumi_aliread as aliread
from pulumi_aliread.core.apis import HANDSHAKE
from pulumi_aliread.testing import SEED_HANDSHAKE_ID

FAST = {"backoff_base": 0.01, "backoff_cap": 0.02}
THROTTLED = json.dumps({"Code": "Throttling.User",
                        "Message": "Request was denied due to user flow control.",
                        "RequestId": "5A1E-THROTTLED"}).encode()


class ClosingServer:
    """``answered``: requests answered; ``dropped``: requests read and left unanswered
    as their connection closed. ``serve``: requests a connection answers before it drops
    the next (0: none); ``reset``: drop with an RST instead of a FIN."""

    def __init__(self, *, serve: int = 1, reset: bool = False) -> None:
        self.answered = self.dropped = self.connections = 0
        lock = threading.Lock()
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with lock:
                    owner.connections += 1
                served = 0
                while True:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        byte = self.rfile.read(1)
                        if not byte:
                            return
                        head += byte
                    if served == serve:
                        with lock:
                            owner.dropped += 1
                        if reset:
                            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                       struct.pack("ii", 1, 0))
                            self.connection.close()
                        return
                    served += 1
                    with lock:
                        owner.answered += 1
                    self.wfile.write(
                        b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                        b"x-acs-request-id: 5A1E-THROTTLED\r\n"
                        + f"Content-Length: {len(THROTTLED)}\r\n\r\n".encode() + THROTTLED)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(params=["fin", "rst"])
def closing(request: pytest.FixtureRequest) -> Iterator[ClosingServer]:
    server = ClosingServer(reset=request.param == "rst")
    yield server
    server.close()


def test_a_closed_kept_alive_connection_costs_no_attempt_and_keeps_the_api_error(
        closing: ClosingServer, credentials: object) -> None:
    with aliread.Client() as reader, \
            pytest.raises(aliread.ServiceUnavailableError) as caught:
        reader.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=closing.url, max_attempts=4,
                    **FAST)

    error = caught.value
    assert error.code == "Throttling.User", error
    assert (error.attempts, error.stop_reason) == (4, "max_attempts")
    # Attempts 2 to 4 each went out on the kept-alive connection, were dropped unanswered
    # and sent again at once on a new one: every attempt reached the server's answer.
    assert closing.answered == 4 and closing.dropped == 3
    assert reader.metrics.requests == 4 and reader.metrics.retries == 3


def test_the_cli_reports_the_api_error_not_the_closed_connection(closing: ClosingServer
                                                                  ) -> None:
    proc = run_cli(HANDSHAKE.name, SEED_HANDSHAKE_ID, "--endpoint", closing.url)

    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    (item,) = elements(proc)
    assert item["error"]["code"] == "Throttling.User", item
    assert item["error"]["attempts"] == 5  # the default max_attempts
    assert closing.answered == 5


def test_a_new_connection_closed_unanswered_is_not_sent_again(credentials: object) -> None:
    server = ClosingServer(serve=0)  # every connection closes on its first request
    try:
        with aliread.Client() as reader, \
                pytest.raises(aliread.ServiceUnavailableError) as caught:
            reader.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=server.url, max_attempts=3,
                        **FAST)
    finally:
        server.close()

    assert caught.value.code == "ConnectionError"
    assert caught.value.attempts == 3
    assert server.dropped == server.connections == 3  # one request an attempt, no resend
