"""Keeps secrets (AccessKey secrets, STS tokens) out of text: messages, logs, output;
and keeps outside text from driving a terminal (``printable``).

Every secret the library sees is registered here (in memory only); ``scrub`` replaces
it, and its URL-encoded forms, by ``***``. ``RedactingFilter`` does the same to log
records, and also masks ``Signature=`` and ``SecurityToken=`` query values, which the
HTTP layer logs at DEBUG.

``scrub`` is for text that came from outside (a server's message, an OS error, a
value of an answer), applied where it enters a message, never to a whole message: a
secret that happens to be a word (``wrong``) must not blank out the library's own
advice. Public strings (AccessKey ids, registered with ``register_public``) are never
masked, even when a secret is part of one. ``scrub_answer`` applies ``scrub`` to every
string of a decoded API answer, where the answer enters the library.

``printable`` escapes control characters (C0, DEL, C1) and the Unicode bidi and line
controls, which a terminal would act on (clear the screen, set the title, reorder the
line); ``errors.AlireadError`` applies it to its message, code and request id, and the
CLI to every line it writes to stderr.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any
from urllib.parse import quote

MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None
_public: set[str] = set()
_public_pattern: re.Pattern[str] | None = None
_QUERY_SECRETS = re.compile(r"((?:SecurityToken|Signature|AccessKeySecret)(?:=|%3D))[^&\s\"']+")


def register(*secrets: str | None) -> None:
    """Remember secrets so that ``scrub`` can hide them."""
    global _pattern
    new = set()
    for secret in secrets:
        if secret and len(secret) >= 4:
            new.update({secret, quote(secret, safe=""), quote(quote(secret, safe=""), safe="")})
    with _lock:
        if new - _secrets:
            _secrets.update(new)
            ordered = sorted(_secrets, key=len, reverse=True)
            _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def register_public(*texts: str | None) -> None:
    """Remember strings that are never masked (an AccessKey id is shown in messages)."""
    global _public_pattern
    new = {text for text in texts if text}
    with _lock:
        if new - _public:
            _public.update(new)
            ordered = sorted(_public, key=len, reverse=True)
            _public_pattern = re.compile("(" + "|".join(re.escape(s) for s in ordered) + ")")


def scrub(text: str) -> str:
    """``text`` with every registered secret and signed query value masked (public
    strings left whole)."""
    pattern = _pattern
    if pattern is not None:
        public = _public_pattern
        if public is None:
            text = pattern.sub(MASK, text)
        else:  # odd pieces are public strings: kept as they are
            pieces = public.split(text)
            text = "".join(piece if index % 2 else pattern.sub(MASK, piece)
                           for index, piece in enumerate(pieces))
    return _QUERY_SECRETS.sub(lambda m: m.group(1) + MASK, text)


def scrub_answer(value: Any) -> Any:
    """A decoded JSON answer with ``scrub`` applied to every string in it, at any depth
    (objects' values, lists' items; keys are left as they are). A server may echo the
    STS token or the AccessKey secret in any field of an answer, good or bad."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: scrub_answer(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_answer(item) for item in value]
    return value


#: What ``printable`` escapes: C0 controls, DEL, C1 controls; the bidi controls (ALM,
#: LRM, RLM, LRE..RLO, LRI..PDI); the Unicode line and paragraph separators.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                       "\u202a-\u202e\u2066-\u2069]")


_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character a terminal would act on shown as an escape
    (``\\x1b``, ``\\u202e``, ``\\n``) instead: nothing is dropped, nothing is acted on. Text
    without them (every message of the library's own) is returned as it is."""
    return CONTROLS.sub(_escaped, text)


def one_line(text: str) -> str:
    """``text`` on a single line for a terminal or a one-line error: ``printable`` (every
    control character shown as an escape), then runs of spaces made one."""
    return " ".join(printable(text).split())


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs the formatted message of each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def protect_logger(name: str) -> None:
    """Attach the redacting filter to a logger and to each of its children that exists
    now (idempotent). A logger's filters see only the records made on it, not those its
    children pass up: httpcore logs on ``httpcore.http11``, ``httpcore.connection``...,
    created when httpx is imported, so call this after importing the library."""
    manager = logging.Logger.manager
    for each in [name, *(other for other in manager.loggerDict
                         if other.startswith(name + "."))]:
        logger = logging.getLogger(each)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
