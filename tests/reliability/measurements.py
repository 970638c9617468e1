"""The measurements behind the reliability suite and ``docs/reliability.md``.

Each ``measure_*`` function runs a load against a fresh emulator, checks every read
(id, state and every field against what the emulator holds) and returns figures.
The tests assert on the checks; ``report.py`` prints the same figures as a table.
Nothing here asserts on wall time: durations are reported, never judged.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pulumi_aliread import errors
from pulumi_aliread.core import client
from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE, ApiSpec
from pulumi_aliread.testing import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from pulumi_aliread.testing.emulator import Emulator, Fault

# Small backoff so that 1 000 faulted reads take seconds, not minutes.
FAST: dict[str, float] = {"backoff_base": 0.001, "backoff_cap": 0.01}
# With 30 % of requests failing, 5 attempts would lose ~0.24 % of reads (0.3 ** 5):
# the fault runs allow 15 (0.3 ** 15 ~ 1.4e-8 per read), so a lost read means a bug.
FAULT_MAX_ATTEMPTS = 15
FAULT_RATE = 0.3
FAULT_READS = 1000
WORKERS = 16

CONFIG: Mapping[str, str] = {
    "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
    "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
}


def transient_faults() -> dict[str, tuple[Fault, dict[str, float]]]:
    """The issue's five transient faults, each with the read options it needs."""
    return {
        "HTTP 500": (Fault.http(500), {}),
        "HTTP 503": (Fault.http(503), {}),
        "Throttling.User": (Fault.throttle(), {}),
        "connection reset": (Fault.reset(), {}),
        # The server holds the answer 1 s; the client gives up after 0.25 s and retries.
        "read timeout": (Fault.hang(1.0), {"read_timeout": 0.25}),
    }


# ----------------------------------------------------------------------------- probes


@dataclass
class TransportTally:
    """What the client saw: answers, and transport failures by kind (from the package's
    DEBUG records of each attempt: observed, nothing changed)."""

    answers: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add(self, kind: str | None) -> None:
        with self._lock:
            if kind is None:
                self.answers += 1
            else:
                self.failures[kind] += 1

    @property
    def connection_errors(self) -> int:
        return self.failures["ConnectionError"]

    @property
    def read_timeouts(self) -> int:
        return self.failures["ReadTimeout"]


class _Attempts(logging.Handler):
    """Counts the attempt records of ``attempts.Attempt``: ``ACTION ID -> HTTP n`` for an
    answer, ``ACTION ID: KIND: detail`` for a transport failure."""

    def __init__(self, tally: TransportTally) -> None:
        super().__init__(logging.DEBUG)
        self.tally = tally

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("%s %s -> HTTP"):
            self.tally.add(None)
        elif record.msg == "%s %s: %s" and len(record.args or ()) == 3:
            self.tally.add(str(record.args[2]).split(":", 1)[0])  # type: ignore[index]


@contextmanager
def watch_transport(base_url: str, reader: client.Client | None = None
                    ) -> Iterator[TransportTally]:
    """Count what reads get back while inside: every answer, and every transport failure
    by kind (``base_url`` and ``reader`` are accepted for the callers' sake: every
    read of the process is counted)."""
    logger = logging.getLogger("pulumi_aliread")
    tally = TransportTally()
    handler = _Attempts(tally)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield tally
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def check_result(api: ApiSpec, result: Any, object_id: str, stored: Mapping[str, Any]) -> str:
    """'' if ``result`` is exactly the stored object ``object_id``, else what is wrong."""
    if not isinstance(result, api.result_type):
        return f"{object_id}: got a {type(result).__name__}"
    if result.id != object_id:
        return f"{object_id}: got object {result.id}"
    for name, schema_field in api.schema._declared_fields.items():
        got, want = getattr(result, name), stored.get(schema_field.data_key)
        if got != want:
            return f"{object_id}: {name} is {got!r}, the emulator holds {want!r}"
    if not result.request_id:
        return f"{object_id}: no request id"
    return ""


def populate(emulator: Emulator, reads: int) -> list[tuple[ApiSpec, str]]:
    """Half handshakes, half auth orders, states cycling through each API's states;
    returns (api, id) pairs interleaved."""
    handshakes = emulator.add_handshakes(reads // 2)
    orders = emulator.add_auth_orders(reads - reads // 2)
    for index, object_id in enumerate(handshakes):
        emulator.set_state(object_id, HANDSHAKE.states[index % len(HANDSHAKE.states)])
    for index, object_id in enumerate(orders):
        emulator.set_state(object_id, AUTH_ORDER.states[index % len(AUTH_ORDER.states)])
    pairs: list[tuple[ApiSpec, str]] = []
    for index in range(max(len(handshakes), len(orders))):
        if index < len(handshakes):
            pairs.append((HANDSHAKE, handshakes[index]))
        if index < len(orders):
            pairs.append((AUTH_ORDER, orders[index]))
    return pairs


# ----------------------------------------------------------------------------- figures


@dataclass
class LoadFigures:
    """Outcome of one load: every read checked, requests counted on both sides."""

    name: str
    reads: int
    correct: int
    wrong: list[str]  # reads that returned another or a partial object (must be empty)
    failed: list[str]  # reads that raised (must be empty)
    requests_per_read: list[int]
    client_requests: int  # Client.metrics.requests: what the client sent
    emulator_requests: int  # what reached the emulator
    faulted_answers: int  # answers the emulator spoiled on purpose (non-200, resets)
    resets_sent: int
    connection_errors: int  # seen by the client's transport
    read_timeouts: int
    retries: int
    backoff_seconds: float
    seconds: float

    @property
    def max_requests(self) -> int:
        return max(self.requests_per_read, default=0)

    @property
    def mean_requests(self) -> float:
        return statistics.fmean(self.requests_per_read) if self.requests_per_read else 0.0

    @property
    def lost_requests(self) -> int:
        """Requests the client sent that the emulator never saw."""
        return self.client_requests - self.emulator_requests

    @property
    def unexpected_drops(self) -> int:
        """Connections the client saw fail that no reset fault was meant to drop."""
        return self.connection_errors - self.resets_sent


def _async_read(pairs: list[tuple[ApiSpec, str]], emulator: Emulator,
                reader: client.Client, **options: Any) -> Callable[[ApiSpec, str], Any]:
    """A ``read`` for run_load that starts every pair at once and awaits them all on one
    event loop, as ``get_*_output`` does, on the first call, then hands out each pair's
    outcome."""
    import asyncio

    from pulumi_aliread.core.read import prepare, settle

    outcomes: dict[str, Any] = {}

    async def all_reads() -> None:
        started = []
        for api, object_id in pairs:
            one = prepare(api, object_id, config=CONFIG, endpoint=emulator.url, **options)
            started.append((one, reader.start(one)))
        await asyncio.wait([asyncio.wrap_future(future) for _, future in started])
        for one, future in started:
            try:
                outcomes[one.object_id] = settle(one, future)
            except Exception as error:  # noqa: BLE001 - handed to the caller
                outcomes[one.object_id] = error

    def read(api: ApiSpec, object_id: str) -> Any:
        if not outcomes:
            asyncio.run(all_reads())
        outcome = outcomes[object_id]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return read


def run_load(
    name: str,
    emulator: Emulator,
    pairs: list[tuple[ApiSpec, str]],
    *,
    workers: int,
    per_thread: bool = False,
    read: Callable[[ApiSpec, str], Any] | None = None,
    on_loop: bool = False,
    **options: Any,
) -> LoadFigures:
    """Read every (api, id) of ``pairs`` from ``workers`` threads and check each result.

    ``per_thread``: split ``pairs`` in ``workers`` equal slices, one thread reading each
    slice in turn (else threads take the next pair as they free up). ``on_loop``: read
    them all through the event-loop path of ``get_*_output`` instead (32 at once)."""
    stored = {object_id: emulator.get_object(object_id) or {} for _, object_id in pairs}
    emulator.clear()
    reader = client.Client()  # its own connections and counters

    def one(pair: tuple[ApiSpec, str]) -> tuple[str, str]:
        api, object_id = pair
        try:
            if read is not None:
                result = read(api, object_id)
            else:
                result = reader.read(api, object_id, endpoint=emulator.url, config=CONFIG,
                                     **options)
        except errors.AlireadError as exc:
            return "failed", f"{object_id}: {type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - reported, and fails the test
            return "failed", f"{object_id}: unexpected {type(exc).__name__}: {exc}"
        problem = check_result(api, result, object_id, stored[object_id])
        return ("wrong", problem) if problem else ("ok", "")

    def batch(pairs_of_thread: list[tuple[ApiSpec, str]]) -> list[tuple[str, str]]:
        return [one(pair) for pair in pairs_of_thread]

    batches = (
        [pairs[index::workers] for index in range(workers)] if per_thread
        else [[pair] for pair in pairs]
    )
    started = time.perf_counter()
    with watch_transport(emulator.url, reader) as tally:
        if on_loop:
            read = _async_read(pairs, emulator, reader, **options)
            outcomes = [one(pair) for pair in pairs]
        else:
            with ThreadPoolExecutor(workers) as pool:
                outcomes = [outcome for done in pool.map(batch, batches) for outcome in done]
    seconds = time.perf_counter() - started
    metrics = reader.metrics
    reader.close()
    per_read = [emulator.count(object_id=object_id) for _, object_id in pairs]
    return LoadFigures(
        name=name,
        reads=len(pairs),
        correct=sum(1 for kind, _ in outcomes if kind == "ok"),
        wrong=[text for kind, text in outcomes if kind == "wrong"],
        failed=[text for kind, text in outcomes if kind == "failed"],
        requests_per_read=per_read,
        client_requests=metrics.requests,
        emulator_requests=emulator.count(),
        faulted_answers=sum(1 for r in emulator.requests if r.status != 200),
        resets_sent=emulator.count(status=0),
        connection_errors=tally.connection_errors,
        read_timeouts=tally.read_timeouts,
        retries=metrics.retries,
        backoff_seconds=metrics.backoff_seconds,
        seconds=seconds,
    )


def measure_transient(
    name: str, *, reads: int = FAULT_READS, rate: float = FAULT_RATE, seed: int = 5,
    workers: int = WORKERS, on_loop: bool = False,
) -> LoadFigures:
    """``reads`` reads with ``rate`` of all requests failing with the fault ``name``
    (``on_loop``: through the event-loop path of ``get_*_output``)."""
    fault, options = transient_faults()[name]
    with Emulator() as emulator:
        pairs = populate(emulator, reads)
        emulator.inject(fault, rate=rate, seed=seed)
        label = f"{name} (event loop)" if on_loop else name
        return run_load(label, emulator, pairs, workers=workers, on_loop=on_loop,
                        max_attempts=FAULT_MAX_ATTEMPTS, **FAST, **options)


def measure_baseline(reads: int = FAULT_READS, workers: int = WORKERS) -> LoadFigures:
    """The same load with no fault: the reference row of the table."""
    with Emulator() as emulator:
        pairs = populate(emulator, reads)
        return run_load("no fault", emulator, pairs, workers=workers, **FAST)


def measure_concurrency(
    threads: int = 64, reads_per_thread: int = 50, latency: float = 0.005
) -> LoadFigures:
    """``threads`` threads, ``reads_per_thread`` reads each, through the shared clients."""
    with Emulator(latency=latency) as emulator:
        pairs = populate(emulator, threads * reads_per_thread)
        return run_load(f"{threads} threads x {reads_per_thread} reads, {latency * 1000:g} ms "
                        "latency", emulator, pairs, workers=threads, per_thread=True)
