"""The emulator from a shell: ``aliread emulator`` (``cli/app.py`` hands its arguments
over) and ``python -m pulumi_aliread.testing.emulator`` are both ``main`` (argparse), which
ends in ``serve``.

``serve`` prints the URL on stdout and, on stderr, every credential the emulator accepts
(secrets and the STS token included: they are test values, printed so that a shell can
rehearse with them), then serves until SIGINT or SIGTERM and returns within a second of
the signal, whatever clients still hold open.

While it serves, it writes a request log: one line per request answered (UTC time,
action, id or page, AccessKeyId, verdict: ``200 ok``, ``404 EntityNotExists.Handshake``,
``400 SignatureDoesNotMatch``, ``reset``), on stderr, or appended to ``--log FILE``
(``--log /dev/null``: none). It never holds a secret, token or signature. A process
that keeps the emulator's stderr in a pipe must read it (or pass ``--log``): a full
pipe would block the request being logged.

``--handshake-status`` / ``--order-state`` set the state of the seed invitation
(``SEED_HANDSHAKE_ID``) / order 123 at start, so that a rehearsal needs no data file.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ..core.apis import AUTH_ORDER, HANDSHAKE
from .fixtures import (  # check_port, check_latency and their rules: re-exported
    DATA_SHAPE,
    DEFAULT_ACCESS_KEY_ID,
    INVITED_ACCESS_KEY_ID,
    LATENCY_RULE,
    PORT_RULE,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    check_latency,
    check_port,
)

# The state values the seed objects may be given (--handshake-status, --order-state).
HANDSHAKE_STATUSES, AUTH_ORDER_STATES = HANDSHAKE.states, AUTH_ORDER.states
# The AccessKeyIds the command line's emulator accepts; --invited-key-id picks among them.
KEY_IDS = (DEFAULT_ACCESS_KEY_ID, INVITED_ACCESS_KEY_ID, STS_ACCESS_KEY_ID)
INVITED_HELP = (f"an AccessKeyId that belongs to the invited account (repeatable; one of "
                f"{', '.join(KEY_IDS)}; default {INVITED_ACCESS_KEY_ID}): with it, "
                f"GetHandshake of an Accepted invitation answers HTTP 409 "
                f"HandshakeStatusMismatch")

# Seconds a signalled emulator spends closing connections before the process exits.
STOP_GRACE = 0.5
HANDSHAKE_STATUS_HELP = (f"the Status the seed invitation {SEED_HANDSHAKE_ID} is served "
                         f"with: one of {', '.join(HANDSHAKE_STATUSES)} (any case); "
                         "default: the data's")
ORDER_STATE_HELP = (f"the OrderState the seed order {SEED_ORDER_ID} is served with: one of "
                    f"{', '.join(AUTH_ORDER_STATES)} (any case); default: the data's")
LOG_HELP = ("append the request log (one line per request: action, id or page, "
            "AccessKeyId, verdict; never a secret) to FILE instead of stderr; "
            "/dev/null for none")


def _one_of(what: str, value: object, allowed: Sequence[str]) -> str:
    text = str(value)
    for state in allowed:
        if text.casefold() == state.casefold():
            return state
    raise ValueError(f"{text!r} is not a documented {what}: use one of {', '.join(allowed)}")


def check_handshake_status(value: object) -> str:
    """``value`` as a documented invitation Status (any case in, the API's case out);
    ValueError naming the allowed ones otherwise."""
    return _one_of("invitation Status", value, HANDSHAKE_STATUSES)


def check_order_state(value: object) -> str:
    """``value`` as a documented auth-order OrderState (any case in, the API's out);
    ValueError naming the allowed ones otherwise."""
    return _one_of("auth-order OrderState", value, AUTH_ORDER_STATES)


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    data: str | None = None,
    latency: float = 0.0,
    invited_key_ids: Sequence[str] = (),
    handshake_status: str | None = None,
    order_state: str | None = None,
    log: str | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    emulator_class: Any = None,
) -> int:
    """Serve until SIGINT/SIGTERM (or ``KeyboardInterrupt``); return 0, or 2 when
    ``data`` cannot be loaded, the options break their rules, ``log`` cannot be opened
    or the address cannot be bound (the message on stderr says which).
    ``invited_key_ids``: the AccessKeyIds of the invited account (empty:
    ``INVITED_ACCESS_KEY_ID``). ``handshake_status`` / ``order_state``: the state of the
    seed invitation / order 123 (None: the data's; the data must hold that object).
    ``log``: a file the request log is appended to (None: ``stderr``).
    ``emulator_class``: the ``emulator.Emulator`` class (passed in by the callers above
    this module, which the emulator itself imports)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    unknown = [key_id for key_id in invited_key_ids if key_id not in KEY_IDS]
    if unknown:
        print(f"error: --invited-key-id {unknown[0]!r} is not one of {', '.join(KEY_IDS)}",
              file=err)
        return 2
    try:
        states = [(SEED_HANDSHAKE_ID, "--handshake-status",
                   None if handshake_status is None
                   else check_handshake_status(handshake_status)),
                  (SEED_ORDER_ID, "--order-state",
                   None if order_state is None else check_order_state(order_state))]
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        return 2
    try:
        emulator = emulator_class(data, latency=latency, host=host, port=port,
                            invited_access_key_ids=list(invited_key_ids) or None)
    except (OSError, ValueError) as exc:
        what = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if data is not None:
            print(f"error: cannot load --data {data}: {what}", file=err)
        else:
            print(f"error: {what}", file=err)
        return 2
    for object_id, option, state in states:
        if state is None:
            continue
        if emulator.get_object(object_id) is None:
            print(f"error: {option} sets the seed object {object_id}, which --data "
                  f"{data} does not hold", file=err)
            return 2
        emulator.set_state(object_id, state)
    try:
        log_file = None if log is None else open(  # noqa: SIM115 - closed below
            log, "a", encoding="utf-8", buffering=1)
    except OSError as exc:
        print(f"error: cannot open --log {log}: {exc.strerror or exc}", file=err)
        return 2
    try:
        emulator.request_log = _line_writer(log_file or err)
        return _serve(emulator, host, port, out, err)
    finally:
        emulator.request_log = None
        if log_file is not None:
            with contextlib.suppress(OSError):
                log_file.close()


def _line_writer(stream: TextIO) -> Callable[[str], None]:
    """Write whole lines from any serving thread, one at a time, flushed (a line must be
    there when the request's answer is)."""
    lock = threading.Lock()

    def write(line: str) -> None:
        with lock, contextlib.suppress(OSError, ValueError):  # closed: drop the line
            stream.write(line + "\n")
            stream.flush()

    return write


def _serve(emulator: Any, host: str, port: int, out: TextIO, err: TextIO) -> int:
    done = threading.Event()
    previous: dict[int, Any] = {}

    def on_signal(signum: int, frame: Any) -> None:
        done.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            previous[signum] = signal.signal(signum, on_signal)
    try:
        try:
            emulator.start()
        except OSError as exc:
            print(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", file=err)
            return 2
        try:
            # The banner first: a client starts when it reads the URL, and its
            # requests' log lines must come after the banner, not inside it.
            print(credentials_text(emulator), file=err, end="", flush=True)
            print(emulator.url, file=out, flush=True)
            while not done.wait(0.1):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            # Bounded: a stop that blocks (a peer that never reads, a stuck socket) must
            # not keep the process alive; every serving thread is a daemon.
            stopper = threading.Thread(target=emulator.stop, name="aliread-emulator-stop",
                                       daemon=True)
            stopper.start()
            stopper.join(STOP_GRACE)
    finally:
        for number, handler in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(number, handler)
    return 0


def credentials_text(emulator: Any) -> str:
    """The lines ``serve`` prints on stderr: every credential ``emulator`` accepts, as
    shell exports (test values: secrets and STS tokens are printed on purpose)."""
    lines = [
        f"aliread emulator: serving GetHandshake, ListHandshakesForResourceDirectory, "
        f"ListHandshakesForAccount and GetJoinPermissionAuthOrder at {emulator.url}; "
        f"Ctrl-C stops. Credentials it accepts (test values):"
    ]
    for key_id, secret in emulator.credentials.items():
        who = ("AccessKey pair of the invited account (an Accepted invitation answers "
               "HTTP 409 HandshakeStatusMismatch)"
               if key_id in emulator.invited_access_key_ids else "AccessKey pair")
        lines.append(f"  # {who}")
        lines.append(f"  AccessKeyId={key_id} AccessKeySecret={secret}")
        lines.append(f"  export ALIBABA_CLOUD_ACCESS_KEY_ID={key_id} "
                     f"ALIBABA_CLOUD_ACCESS_KEY_SECRET={secret}")
    for key_id, (secret, token) in emulator.sts_credentials.items():
        invited = key_id in emulator.invited_access_key_ids
        lines.append("  # STS: AccessKey pair and SecurityToken" + (
            " of the invited account (an Accepted invitation answers HTTP 409 "
            "HandshakeStatusMismatch)" if invited else ""))
        lines.append(f"  AccessKeyId={key_id} AccessKeySecret={secret} SecurityToken={token}")
        lines.append(f"  export ALIBABA_CLOUD_ACCESS_KEY_ID={key_id} "
                     f"ALIBABA_CLOUD_ACCESS_KEY_SECRET={secret} "
                     f"ALIBABA_CLOUD_SECURITY_TOKEN='{token}'")
    return "\n".join(lines) + "\n"


def _argparse_type(check: Any) -> Any:
    def convert(value: str) -> Any:
        try:
            return check(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = check.__name__
    return convert


def main(argv: list[str] | None, emulator_class: Any,
         prog: str = "python -m pulumi_aliread.testing.emulator") -> int:
    """``python -m pulumi_aliread.testing.emulator`` and ``aliread emulator`` (``prog``):
    parse ``argv`` (default: sys.argv[1:]) and ``serve``; bad options exit 2 with the
    rule (argparse)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve a local fake of GetHandshake and GetJoinPermissionAuthOrder, "
                    "print its URL, run until Ctrl-C. Prints on stderr every credential "
                    "it accepts (test values: the AccessKey pair, the invited account's "
                    "pair, the STS pair and token), then one line per request it answers. "
                    "Point reads at it with --endpoint URL and one of them, to rehearse a "
                    "pipeline offline. Exits 2 when --data or --log cannot be opened.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    parser.add_argument("--port", type=_argparse_type(check_port), default=0,
                        help=f"{PORT_RULE}; default: 0")
    parser.add_argument("--data", metavar="FILE", default=None,
                        help=f"JSON file {DATA_SHAPE} of the objects to serve, as the APIs "
                             "answer them, and the account of each AccessKeyId (see "
                             "README); default: the seeds")
    parser.add_argument("--latency", type=_argparse_type(check_latency), default=0.0,
                        help=LATENCY_RULE)
    parser.add_argument("--invited-key-id", action="append", default=[], choices=KEY_IDS,
                        metavar="KEY_ID", help=INVITED_HELP)
    parser.add_argument("--handshake-status", type=_argparse_type(check_handshake_status),
                        metavar="STATUS", help=HANDSHAKE_STATUS_HELP)
    parser.add_argument("--order-state", type=_argparse_type(check_order_state),
                        metavar="STATE", help=ORDER_STATE_HELP)
    parser.add_argument("--log", metavar="FILE", default=None, help=LOG_HELP)
    args = parser.parse_args(argv)
    return serve(host=args.host, port=args.port, data=args.data, latency=args.latency,
                 invited_key_ids=args.invited_key_id, handshake_status=args.handshake_status,
                 order_state=args.order_state, log=args.log, emulator_class=emulator_class)
