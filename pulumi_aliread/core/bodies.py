"""An answer's body: its Content-Encoding decoded, within the size cap.

The client asks for ``identity``, but a gateway or proxy may compress anyway. The
body is decoded as it arrives and never grows past ``MAX_BODY_BYTES``, compressed or not
(a 1 MB gzip answer may inflate to 1 GB), so memory stays near the cap whatever the
encoding. ``gzip`` / ``x-gzip`` and ``deflate`` (zlib or raw) are decoded; any other
encoding is refused with a message that names it.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

MAX_BODY_BYTES = 4 * 1024 * 1024  # answers of these APIs are a few KB


class BodyTooLarge(Exception):
    """The answer's body (on the wire or decoded) exceeded ``MAX_BODY_BYTES``."""


class UndecodableBody(Exception):
    """The body's Content-Encoding is unknown, or its compressed data is corrupt."""


class BodyDecoder:
    """Collects a body chunk by chunk, decoding ``content_encoding`` within ``cap`` bytes.

    Raises ``UndecodableBody`` for an encoding other than identity, gzip or deflate (at
    construction) or for corrupt data, ``BodyTooLarge`` past ``cap`` bytes (wire or
    decoded).
    """

    __slots__ = ("_cap", "_decoder", "_encoding", "_out", "_raw", "_pending_deflate")

    def __init__(self, content_encoding: str | None, cap: int = MAX_BODY_BYTES) -> None:
        self._cap = cap
        self._out = bytearray()
        self._raw = 0
        self._pending_deflate = False
        self._decoder: zlib._Decompress | None = None  # type: ignore[name-defined]
        encoding = (content_encoding or "").strip().lower()
        self._encoding = encoding
        if encoding in ("", "identity"):
            return
        if encoding in ("gzip", "x-gzip"):
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._pending_deflate = True  # zlib-wrapped or raw: told by the first bytes
        else:
            raise UndecodableBody(
                f"the answer is encoded with Content-Encoding {content_encoding.strip()!r}"
                if content_encoding else "the answer has an unknown Content-Encoding"
            )

    def feed(self, data: bytes) -> None:
        """Add the next bytes as they came off the wire."""
        if not data:
            return
        self._raw += len(data)
        if self._raw > self._cap:
            raise BodyTooLarge()
        if self._pending_deflate:
            self._pending_deflate = False
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._decoder = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        if self._decoder is None:
            self._out += data
            return
        try:
            while data:
                # max_length: never more than the cap (plus one byte, to notice) at once.
                self._out += self._decoder.decompress(data, self._cap + 1 - len(self._out))
                if len(self._out) > self._cap:
                    raise BodyTooLarge()
                data = self._decoder.unconsumed_tail
        except zlib.error:
            raise self._corrupt() from None

    def finish(self) -> bytes:
        """The whole decoded body (call once every byte was fed)."""
        if self._decoder is not None and not self._decoder.eof:
            raise self._corrupt()
        return bytes(self._out)

    def _corrupt(self) -> UndecodableBody:
        return UndecodableBody(
            f"the answer's {self._encoding} data (Content-Encoding {self._encoding!r}) is "
            "corrupt or cut short"
        )


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asks to wait before retrying, or None.

    ``x-acs-retry-after`` (milliseconds, Alibaba Cloud gateways) wins over ``Retry-After``
    (seconds, or an HTTP date). ``headers`` looks names up in lower case.
    """
    value = headers.get("x-acs-retry-after")
    if value is not None:
        try:
            millis = float(value.strip())
        except ValueError:
            millis = -1.0
        if 0 <= millis < 86_400_000:
            return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), 86_400.0)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    import datetime

    if when.tzinfo is None:
        return None
    seconds = (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    return max(0.0, min(seconds, 86_400.0))
