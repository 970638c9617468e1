"""Keeps secrets (AccessKey secrets, STS tokens) out of text: messages, logs, output.

Every secret the library sees is registered here (in memory only); ``scrub`` replaces
it, and its URL-encoded forms, by ``***``. ``RedactingFilter`` does the same to log
records, and also masks ``Signature=`` and ``SecurityToken=`` query values, which the
HTTP layer logs at DEBUG.

``scrub`` is for text that came from outside (a server's message, an OS error, a
value of an answer), applied where it enters a message, never to a whole message: a
secret that happens to be a word (``wrong``) must not blank out the library's own
advice. Public strings (AccessKey ids, registered with ``register_public``) are never
masked, even when a secret is part of one.
"""

from __future__ import annotations

import logging
import re
import threading
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
