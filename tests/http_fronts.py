"""A loopback HTTP/1.1 server in front of the emulator that frames the emulator's answers
in a chosen way (chunked, close-delimited, 100 Continue, cut short, not HTTP at all),
optionally over TLS: what a real gateway or a broken middlebox may send back."""

from __future__ import annotations

import datetime
import socket
import socketserver
import ssl
import threading
import urllib.error
import urllib.request
from pathlib import Path

MODES = ("length", "chunked", "eof", "continue", "idle-close", "drop-second", "truncated",
         "garbage", "huge-length")


class HttpFront:
    """``mode`` says how every answer is framed; ``requests`` counts the requests that
    reached the emulator, ``connections`` the TCP connections accepted, ``peak`` the
    most requests in flight at once."""

    def __init__(self, upstream: str, mode: str = "length", *,
                 tls: ssl.SSLContext | None = None) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.upstream, self.mode = upstream, mode
        self.requests = 0
        self.accepted = 0  # TCP connections accepted, before any TLS handshake
        self.connections = 0
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()
        front = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with front.lock:
                    front.connections += 1
                served = 0
                while True:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        byte = self.rfile.read(1)
                        if not byte:
                            return
                        head += byte
                    if front.mode == "drop-second" and served == 1:
                        return  # a kept-alive connection the server has given up on
                    target = head.split(b" ", 2)[1].decode("ascii")
                    status, body, request_id = front._forward(target)
                    served += 1
                    if not front._answer(self.wfile, status, body, request_id):
                        return

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 128

            def get_request(self) -> tuple[socket.socket, object]:
                sock, address = super().get_request()
                with front.lock:
                    front.accepted += 1
                if tls is not None:
                    sock = tls.wrap_socket(sock, server_side=True)
                return sock, address

        self.server = Server(("127.0.0.1", 0), Handler)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _forward(self, target: str) -> tuple[int, bytes, str]:
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with direct.open(self.upstream + target, timeout=10) as answer:
                return answer.status, answer.read(), answer.headers.get("x-acs-request-id", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("x-acs-request-id", "")
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, out: socketserver._SocketWriter | object, status: int, body: bytes,
                request_id: str) -> bool:
        """Write one framed answer; False when the connection must close after it."""
        write = out.write  # type: ignore[attr-defined]
        line = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
        line += f"x-acs-request-id: {request_id}\r\n"
        mode = self.mode
        if mode == "garbage":
            write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
            return False
        if mode == "huge-length":
            write(f"{line}Content-Length: {10 * 1024 * 1024}\r\n\r\n".encode())
            write(body)
            return False
        if mode == "continue":
            write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if mode == "chunked":
            write(f"{line}Transfer-Encoding: chunked\r\n\r\n".encode())
            thirds = [body[: len(body) // 3], body[len(body) // 3: 2 * len(body) // 3],
                      body[2 * len(body) // 3:]]
            for piece in thirds:
                write(f"{len(piece):x};note=x\r\n".encode() + piece + b"\r\n")
            write(b"0\r\nX-Trailer: 1\r\n\r\n")
            return True
        if mode == "eof":
            write(f"{line}Connection: close\r\n\r\n".encode() + body)
            return False
        if mode == "truncated":
            write(f"{line}Content-Length: {len(body) + 10}\r\n\r\n".encode() + body)
            return False
        write(f"{line}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        return mode != "idle-close"  # idle-close: kept-alive framing, then closed anyway

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 and the PEM file a client must trust for it."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aliread test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file
