"""HTTP for signed GETs on the running event loop: the transport of ``_output`` reads.

A Pulumi program is an asyncio program; reading on its loop, rather than on threads
that fight the loop for the GIL, is what lets a thousand reads in one program finish in
little more than the network's time. It speaks just the HTTP/1.1 a signed GET needs
(Content-Length, chunked and close-delimited bodies, keep-alive), with the same timeouts,
size cap and failure kinds as ``transport.Transport``. The framing is written here rather
than taken from h11 or aiohttp: measured on 1 000 reads, h11's state machine cost more
loop time than signing, and aiohttp's import alone costs 120 ms per program.

Direct connections only (http, or https verified against the CA bundle the settings
resolved): reads that go through a proxy use ``transport`` on a thread. Bodies are
decoded within the size cap by ``bodies``, as on the blocking path. Connections are
opened at a paced rate and reused, as ``connections`` explains (``Opening``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections import deque
from collections.abc import Awaitable
from typing import TypeVar
from urllib.parse import urlsplit

from . import redaction
from .bodies import MAX_BODY_BYTES, BodyDecoder, BodyTooLarge, UndecodableBody
from .connections import Opening
from .transport import (
    USER_AGENT,
    Answer,
    TransportFailure,
    answer_from,
    default_ca_bundle,
    is_cert_failure,
    tls_context,
    tls_failure,
)

_T = TypeVar("_T")
_MAX_IDLE = 64  # connections kept per base URL (reads run at most 32 at once)
_READ_SIZE = 65536


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        try:
            self.writer.close()
        except RuntimeError:  # its loop is closed: end the connection at the socket
            sock = self.writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _NotHttp(Exception):
    """The bytes that came back are not an HTTP/1.x answer."""


class AsyncTransport:
    """Keep-alive connections to one base URL (``scheme://host[:port]``), for one loop."""

    def __init__(self, base_url: str, ca_bundle: str | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) base URL: {base_url!r}")
        self.base_url = base_url
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._host_header = parts.netloc.rpartition("@")[2]
        self.ca_bundle = ca_bundle
        self._tls: ssl.SSLContext | None = None
        if parts.scheme == "https":
            self._tls = tls_context(ca_bundle or default_ca_bundle())
        self._idle: list[_Connection] = []
        self._opening = Opening()
        self._tokens = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def get(self, path_and_query: str, connect_timeout: float,
                  read_timeout: float, deadline_at: float | None = None) -> Answer:
        """Send one GET; return the answer, or raise TransportFailure / BodyTooLarge /
        UndecodableBody.

        ``read_timeout`` bounds the wait for the whole answer once the request is sent;
        ``deadline_at`` (``time.monotonic()`` s), if given, the whole attempt.
        As with ``transport.Transport``, a kept-alive connection the server closed while
        idle is not reused; one it closes as the request goes out fails this attempt
        (the retry policy decides what follows, and counts it).
        """
        if deadline_at is not None:
            connect_timeout = min(connect_timeout, deadline_at - time.monotonic())
        connection, token = await self._acquire(max(0.001, connect_timeout))
        try:
            if deadline_at is not None:
                read_timeout = max(0.001, min(read_timeout, deadline_at - time.monotonic()))
            return await self._exchange(connection, path_and_query, read_timeout)
        finally:
            if token is not None:
                self._opening.end(token)
                self._wake()

    async def _acquire(self, timeout: float) -> tuple[_Connection, int | None]:
        """An idle connection (None), or a new one and its token in ``_opening``, within
        ``timeout`` seconds."""
        wait_until = time.monotonic() + timeout
        while True:
            while self._idle:
                connection = self._idle.pop()
                if connection.usable():
                    return connection, None
                connection.close()
            now = time.monotonic()
            pause = self._opening.wait_time(now)
            if pause <= 0:
                break
            if now >= wait_until:
                raise TransportFailure("ConnectTimeout", "connecting timed out")
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await _within(min(pause, wait_until - now), waiter)
            except asyncio.TimeoutError:
                pass  # look again: a grace has passed, or the connect timeout
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken, but leaving: pass the turn on
                raise
            finally:
                if not waiter.done():
                    waiter.cancel()
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self._tokens += 1
        token = self._tokens
        self._opening.begin(token)
        try:
            while True:  # a connect far slower than the fastest: a dropped SYN, again
                remaining = max(0.001, wait_until - time.monotonic())
                attempt = self._opening.attempt_timeout(remaining)
                started = time.monotonic()
                try:
                    connection = await self._connect(attempt)
                except TransportFailure as failure:
                    if failure.kind != "ConnectTimeout" or attempt >= remaining:
                        raise
                    self._opening.stuck()
                    continue
                self._opening.connected(token, started, time.monotonic())
                self._wake(every=True)  # its grace runs from now: waiters re-time
                return connection, token
        except BaseException:
            self._opening.end(token)
            self._wake()
            raise

    def _wake(self, *, every: bool = False) -> None:
        """Let one waiting request (``every``: all) look again: a connection came back,
        a slot is free, or a grace started."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                if not every:
                    return

    async def _connect(self, timeout: float) -> _Connection:
        try:
            reader, writer = await _within(timeout, asyncio.open_connection(
                self._host, self._port, ssl=self._tls,
                server_hostname=self._host if self._tls else None, limit=_READ_SIZE,
            ))
        except asyncio.TimeoutError:
            raise TransportFailure("ConnectTimeout", "connecting timed out") from None
        except ssl.SSLCertVerificationError as exc:
            raise tls_failure(exc, self.ca_bundle) from None
        except ssl.SSLError as exc:
            raise _failure("ConnectionError", f"SSLError: {exc.reason or exc}") from None
        except OSError as exc:
            if is_cert_failure(exc):
                raise tls_failure(exc, self.ca_bundle) from None
            raise _failure("ConnectionError",
                           f"{type(exc).__name__}: {exc.strerror or exc}") from None
        return _Connection(reader, writer)

    async def _exchange(self, connection: _Connection, path_and_query: str,
                        read_timeout: float) -> Answer:
        progress = {"answered": False}
        try:
            answer, keep_alive = await _within(
                read_timeout, self._send_and_receive(connection, path_and_query, progress)
            )
        except asyncio.CancelledError:
            connection.close()  # half a conversation: never reusable
            raise
        except asyncio.TimeoutError:
            connection.close()
            detail = ("the answer stalled mid-body" if progress["answered"]
                      else "no answer within the read timeout")
            raise TransportFailure("ReadTimeout", detail) from None
        except (BodyTooLarge, UndecodableBody):
            connection.close()
            raise
        except _NotHttp as exc:
            connection.close()
            raise _failure("ConnectionError", f"the answer is not HTTP/1.1 ({exc})") from None
        except asyncio.IncompleteReadError as exc:
            connection.close()
            raise _failure("ConnectionError", "the server closed the connection "
                           + ("mid-answer" if exc.partial or progress["answered"]
                              else "without answering")) from None
        except OSError as exc:
            connection.close()
            raise _failure("ConnectionError",
                           f"{type(exc).__name__}: {exc.strerror or exc}") from None
        self._release(connection, keep_alive)
        return answer

    async def _send_and_receive(self, connection: _Connection, path_and_query: str,
                                progress: dict[str, bool]) -> tuple[Answer, bool]:
        reader = connection.reader
        connection.writer.write(
            f"GET {path_and_query} HTTP/1.1\r\nHost: {self._host_header}\r\n"
            f"Accept-Encoding: identity\r\nUser-Agent: {USER_AGENT}\r\n\r\n".encode("ascii")
        )
        status, headers, keep_alive = await _read_head(reader)
        progress["answered"] = True
        decoder = BodyDecoder(headers.get("content-encoding"))
        body = await _read_body(reader, status, headers)
        if body is None:  # close-delimited
            body, keep_alive = await _read_to_end(reader), False
        decoder.feed(body)
        return answer_from(status, decoder.finish(), headers), keep_alive

    def _release(self, connection: _Connection, keep_alive: bool) -> None:
        if keep_alive and len(self._idle) < _MAX_IDLE:
            self._idle.append(connection)
            self._wake()
        else:
            connection.close()

    def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bool]:
    """Status, headers (lower-case names) and whether the connection stays open; skips
    1xx answers."""
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise _NotHttp("a header block over 64 KiB") from None
        lines = head.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if version not in ("HTTP/1.1", "HTTP/1.0") or not (code.isdigit() and len(code) == 3):
            raise _NotHttp(f"status line {lines[0][:80]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise _NotHttp(f"header line {line[:80]!r}")
            name, value = name.lower(), value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        status = int(code)
        if 100 <= status < 200:
            continue
        tokens = {token.strip().lower() for token in headers.get("connection", "").split(",")}
        keep_alive = "close" not in tokens if version == "HTTP/1.1" else "keep-alive" in tokens
        return status, headers, keep_alive


async def _read_body(reader: asyncio.StreamReader, status: int,
                     headers: dict[str, str]) -> bytes | None:
    """The body by Content-Length or chunks; None when it ends where the connection
    does (neither given)."""
    if status in (204, 304):
        return b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return await _read_chunks(reader)
    length_text = headers.get("content-length")
    if length_text is None:
        return None
    if not length_text.isdigit():  # also refuses two differing lengths ("12, 13")
        raise _NotHttp(f"Content-Length {length_text[:40]!r}")
    length = int(length_text)
    if length > MAX_BODY_BYTES:
        raise BodyTooLarge()
    return await reader.readexactly(length)


async def _read_chunks(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        try:
            line = await reader.readuntil(b"\r\n")
        except asyncio.LimitOverrunError:
            raise _NotHttp("a chunk header over 64 KiB") from None
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or size_text.strip(b"0123456789abcdefABCDEF"):
            raise _NotHttp(f"chunk size {size_text[:20]!r}")
        size = int(size_text, 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers: none of ours
            return bytes(body)
        if len(body) + size > MAX_BODY_BYTES:
            raise BodyTooLarge()
        chunk = await reader.readexactly(size + 2)
        if chunk[-2:] != b"\r\n":
            raise _NotHttp("a chunk without its CRLF")
        body += chunk[:-2]


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while data := await reader.read(_READ_SIZE):
        body += data
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge()
    return bytes(body)


async def _within(seconds: float, awaitable: Awaitable[_T]) -> _T:
    timeout = getattr(asyncio, "timeout", None)
    if timeout is None:  # Python 3.10
        return await asyncio.wait_for(awaitable, seconds)
    async with timeout(seconds):  # no extra task per request
        return await awaitable


def _failure(kind: str, detail: str) -> TransportFailure:
    return TransportFailure(kind, redaction.scrub(detail))
