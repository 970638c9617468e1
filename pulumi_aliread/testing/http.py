"""HTTP glue: a threaded HTTP/1.1 server on loopback that turns each request into a
``gateway.Request``, asks the emulator for the ``Answer``, and writes it (or resets the
connection). ``close_connections`` ends kept-alive connections at once, so that stopping
never waits for idle clients."""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import struct
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from . import answers
from .answers import JSON_TYPE, Answer, dumps, request_id
from .gateway import Request


class Backend(Protocol):
    """What the server asks of the emulator (``emulator.Emulator``, which imports this
    module): an answer per request, the latency added to every answer, and the event set
    while it stops."""

    latency: float
    _stopping: threading.Event

    def _process(self, request: Request) -> Answer: ...

log = logging.getLogger("pulumi_aliread.testing.emulator")

MAX_BODY = 1 << 20


class _BadRequest(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Server(ThreadingHTTPServer):
    """The emulator's server: one daemon thread per connection; tracks connections."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 emulator: Backend) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), which can stall on DNS: skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        try:
            onoff = struct.unpack(
                "ii", request.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8)
            )[0]
        except OSError:
            onoff = 0
        if onoff:  # a reset fault: close at once so the peer gets RST, not FIN
            self.close_request(request)
        else:
            super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("emulator connection error from %s", client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    """One connection: requests in, answers out (HTTP/1.1 keep-alive)."""

    protocol_version = "HTTP/1.1"
    server_version = "AlireadEmulator/1.0"
    sys_version = ""
    timeout = 300  # idle keep-alive connections are closed after this
    server: Server

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silent: no line per request."""

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, unsupported method) as JSON."""
        self.close_connection = True
        status = HTTPStatus(code) if code in HTTPStatus._value2member_map_ else None
        body = dumps({
            "RequestId": request_id(),
            "HostId": self.headers.get("Host", "") if getattr(self, "headers", None) else "",
            "Code": status.phrase.replace(" ", "") if status else "BadRequest",
            "Message": message or (status.description if status else "Bad request"),
        })
        with contextlib.suppress(OSError):
            self.send_response(code, message)
            self.send_header("Content-Type", JSON_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)

    def _read_request(self, method: str) -> Request:
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        form: dict[str, str] = {}
        body = b""
        if method == "POST":
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self.close_connection = True
                raise _BadRequest("BadRequest")
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self.close_connection = True
                raise _BadRequest("BadRequest") from None
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                raise _BadRequest("RequestTooLarge" if length > 0 else "BadRequest")
            body = self.rfile.read(length) if length else b""
            ctype = self.headers.get("Content-Type", "").lower()
            if body and (not ctype or ctype.startswith("application/x-www-form-urlencoded")):
                form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        items = self.headers.items()
        values: dict[str, list[str]] = {}
        for name, value in items:
            values.setdefault(name.lower(), []).append(value)
        return Request(method, split.path or "/", query, form, body, dict(items), values)

    def _dispatch(self, method: str) -> None:
        emulator = self.server.emulator
        host = self.headers.get("Host", "")
        try:
            answer = emulator._process(self._read_request(method))
        except _BadRequest as exc:
            answer = answers.error(exc.code, None, host)
        except Exception:  # noqa: BLE001 - never let a bug kill the connection thread
            log.exception("emulator failed to parse a request")
            answer = answers.error("InternalError", None, host, status=500)
        delay = emulator.latency + answer.delay
        stopping = emulator._stopping
        if delay > 0:
            stopping.wait(delay)
        if stopping.is_set():
            self.close_connection = True
            return
        if answer.reset:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            return
        self._write(answer)

    def _write(self, answer: Answer) -> None:
        try:
            self.send_response(answer.status)
        except ValueError:  # pragma: no cover
            self.send_response(500)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        if answer.request_id:
            self.send_header("x-acs-request-id", answer.request_id)
        self.send_header("Connection", "close" if self.close_connection else "keep-alive")
        self.end_headers()
        self.wfile.write(answer.body)
