"""A loopback HTTP/1.1 server that answers from a script: dripped bytes, compression
bombs, gzip and other encodings, redirects, foreign error pages, throttling answers.
Where a step needs a real answer it asks the emulator (which checks the signature) and
re-frames it. Test helper only: the package's emulator is not touched."""

from __future__ import annotations

import functools
import gzip
import json
import socket
import socketserver
import ssl
import threading
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass

# One step answers one request; it returns True to keep the connection open.
Step = Callable[["Exchange"], bool]


@dataclass
class Exchange:
    """One request being answered: where to write, the target, the server."""

    server: HostileServer
    target: str
    write: Callable[[bytes], None]

    def upstream(self) -> tuple[int, bytes, str]:
        """The emulator's own answer to this request: (status, body, request id)."""
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with direct.open(self.server.upstream + self.target, timeout=10) as answer:
                return answer.status, answer.read(), answer.headers.get("x-acs-request-id", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("x-acs-request-id", "")


class HostileServer:
    """Answers the n-th request with ``script[n]`` (the last step repeats).

    ``requests``: requests read; ``accepted``: TCP connections accepted (before any TLS
    handshake). ``close()`` also stops every drip in progress.
    """

    def __init__(self, upstream: str, script: list[Step], *,
                 tls: ssl.SSLContext | None = None) -> None:
        self.upstream, self.script = upstream, list(script)
        self.requests = 0
        self.accepted = 0
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        server_self = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while not server_self.stopped.is_set():
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        byte = self.rfile.read(1)
                        if not byte:
                            return
                        head += byte
                    target = head.split(b" ", 2)[1].decode("ascii")
                    with server_self.lock:
                        step = server_self.script[min(server_self.requests,
                                                      len(server_self.script) - 1)]
                        server_self.requests += 1
                    try:
                        if not step(Exchange(server_self, target, self.wfile.write)):
                            return
                    except OSError:
                        return

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def get_request(self) -> tuple[socket.socket, object]:
                sock, address = super().get_request()
                with server_self.lock:
                    server_self.accepted += 1
                if tls is not None:
                    # A client that never says hello must not stall the accept loop (and
                    # so close()): an OSError here drops only this connection.
                    sock.settimeout(10)
                    sock = tls.wrap_socket(sock, server_side=True)
                    sock.settimeout(None)
                return sock, address

        self.server = Server(("127.0.0.1", 0), Handler)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def encode(encoding: str, body: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "deflate-raw":
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return packer.compress(body) + packer.flush()
    return b"\x1b\x00\x00" + body  # not really brotli: the client must refuse it unread


def forward(encoding: str | None = None) -> Step:
    """The emulator's answer, optionally compressed, framed by Content-Length."""

    def step(exchange: Exchange) -> bool:
        status, body, request_id = exchange.upstream()
        headers = {"Content-Type": "application/json", "x-acs-request-id": request_id}
        if encoding:
            body = encode(encoding, body)
            headers["Content-Encoding"] = "deflate" if encoding == "deflate-raw" else encoding
        headers["Content-Length"] = str(len(body))
        exchange.write(_head(status, headers) + body)
        return True

    return step


def answer(status: int, body: bytes | str | dict, **headers: str) -> Step:
    """A canned answer (a dict body is sent as JSON)."""
    if isinstance(body, dict):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body

    def step(exchange: Exchange) -> bool:
        fields = {name.replace("_", "-"): value for name, value in headers.items()}
        fields["Content-Length"] = str(len(data))
        exchange.write(_head(status, fields) + data)
        return True

    return step


def drip(interval: float = 0.2, length: int = 1000, head_too: bool = False) -> Step:
    """``200 OK`` with ``Content-Length: length``, then one byte every ``interval`` s
    (``head_too``: the status line and headers dripped as well)."""

    def step(exchange: Exchange) -> bool:
        head = _head(200, {"Content-Type": "application/json",
                           "Content-Length": str(length)})
        data = head + b" " * length if head_too else b" " * length
        if not head_too:
            exchange.write(head)
        for byte in data:
            if exchange.server.stopped.wait(interval):
                return False
            exchange.write(bytes([byte]))
        return False

    return step


@functools.cache
def gzip_bomb(inflated: int) -> bytes:
    """A gzip stream of ``inflated`` zero bytes (about inflated / 1000 on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(inflated >> 20)]
    return b"".join(parts) + packer.flush()


def bomb(inflated: int = 256 << 20) -> Step:
    """``200 OK``, ``Content-Encoding: gzip``, a body inflating to ``inflated`` bytes."""
    body = gzip_bomb(inflated)
    return answer(200, body, Content_Type="application/json", Content_Encoding="gzip")
