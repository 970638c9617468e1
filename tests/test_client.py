"""``Client``: the object that owns a read's state (connections, credential chain,
shared reads, counters), and the errors it builds, which say how a read ended."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pulumi
import pytest
from hostile import HostileServer, answer
from pulumi_helpers import stack_config

import pulumi_aliread as aliread
from pulumi_aliread import errors
from pulumi_aliread.core.apis import AUTH_ORDER, HANDSHAKE
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Emulator, Fault
from pulumi_aliread.testing.mocks import ProviderMocks

FAST = {"backoff_base": 0.01, "backoff_cap": 0.02}
PACKAGE = Path(aliread.__file__).parent


def test_each_client_counts_its_own_requests(emulator: Emulator, credentials: object) -> None:
    with aliread.Client() as first, aliread.Client() as second:
        emulator.inject(Fault.http(503), times=1)
        first.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=emulator.url, **FAST)
        second.read(AUTH_ORDER, SEED_ORDER_ID, endpoint=emulator.url, **FAST)

        assert (first.metrics.requests, first.metrics.retries) == (2, 1)
        assert (second.metrics.requests, second.metrics.retries) == (1, 0)
        assert emulator.count() == 3


def test_a_closed_client_refuses_to_read(emulator: Emulator, credentials: object) -> None:
    with aliread.Client() as reader:
        reader.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=emulator.url)
    with pytest.raises(RuntimeError, match="closed; make a new one"):
        reader.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=emulator.url)
    reader.close()  # twice: nothing happens
    assert emulator.count() == 1


@pytest.mark.parametrize("proxy", ["ftp://proxy.example.com:21", "http://", 3128])
def test_a_bad_proxy_is_refused_when_the_client_is_made(proxy: object) -> None:
    with pytest.raises(aliread.InvalidInputError, match="proxy"):
        aliread.Client(proxy=proxy)  # type: ignore[arg-type]


@pytest.mark.parametrize("limit", [0, -1, 2.5, True, "8"])
def test_a_bad_concurrency_limit_is_refused(limit: object) -> None:
    with pytest.raises(aliread.InvalidInputError, match="max_concurrent_reads"):
        aliread.Client(max_concurrent_reads=limit)  # type: ignore[arg-type]


def test_the_proxy_password_is_not_shown() -> None:
    with aliread.Client(proxy="http://ci:pr0xy-pa55-7f1e@proxy.internal:3128") as reader:
        assert "pr0xy-pa55-7f1e" not in repr(reader)


# -- how a read ended, recorded where its error is built ---------------------------------


def test_a_permanent_error_is_sent_once_and_says_so(emulator: Emulator,
                                                    credentials: object) -> None:
    with aliread.Client() as reader, pytest.raises(aliread.NotFoundError) as caught:
        reader.read(HANDSHAKE, "h-doesnotexist0000", endpoint=emulator.url)
    assert (caught.value.attempts, caught.value.stop_reason) == (1, "permanent")
    assert "Gave up" not in str(caught.value)


def test_a_transient_error_that_persists_stops_at_max_attempts(emulator: Emulator,
                                                               credentials: object) -> None:
    emulator.inject(Fault.http(503))
    with aliread.Client() as reader, pytest.raises(aliread.ServiceUnavailableError) as caught:
        reader.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=emulator.url, max_attempts=3,
                    **FAST)
    assert (caught.value.attempts, caught.value.stop_reason) == (3, "max_attempts")
    assert "Gave up after 3 attempt(s)" in str(caught.value)
    assert emulator.count() == 3


def test_a_retry_that_would_pass_the_deadline_stops_there(emulator: Emulator,
                                                          credentials: object) -> None:
    throttled = {"Code": "TooManyRequests", "Message": "Too many requests.",
                 "RequestId": "5A1E-THROTTLED"}
    # The server asks for a pause (600 s) past the read's deadline (5 s).
    server = HostileServer(emulator.url, [answer(429, throttled, x_acs_retry_after="600000")])
    try:
        with aliread.Client() as reader, \
                pytest.raises(aliread.ServiceUnavailableError) as caught:
            reader.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=server.url, deadline=5, **FAST)
    finally:
        server.close()
    assert (caught.value.attempts, caught.value.stop_reason) == (1, "deadline")
    assert "Gave up after 1 attempt(s)" in str(caught.value)
    assert server.requests == 1


def test_input_refused_before_any_request_sent_none() -> None:
    with aliread.Client() as reader, pytest.raises(aliread.InvalidInputError) as caught:
        reader.read(HANDSHAKE, "not an id")
    assert (caught.value.attempts, caught.value.stop_reason) == (None, None)


def test_how_a_read_ended_survives_pickling(emulator: Emulator, credentials: object) -> None:
    emulator.inject(Fault.http(503))
    with aliread.Client() as reader, pytest.raises(aliread.ServiceUnavailableError) as caught:
        reader.read(HANDSHAKE, SEED_HANDSHAKE_ID, endpoint=emulator.url, max_attempts=2,
                    **FAST)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is aliread.ServiceUnavailableError
    assert (copy.attempts, copy.stop_reason, copy.code, copy.http_status) == (
        2, "max_attempts", caught.value.code, 503)
    assert set(errors.STOP_REASONS) == {"permanent", "max_attempts", "deadline"}


# -- one client per Pulumi program -------------------------------------------------------


def test_each_program_run_gets_its_own_client(emulator: Emulator) -> None:
    def program() -> None:
        reads = [aliread.get_handshake_output(SEED_HANDSHAKE_ID, endpoint=emulator.url)
                 for _ in range(20)]
        pulumi.export("status", reads[-1].status)

    mocks = ProviderMocks(stack_config(emulator))
    assert mocks.run(program) == {"status": "Pending"}
    first = mocks.client
    assert first is not None and first.metrics.requests == 1  # 20 reads, one request

    emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
    assert mocks.run(program) == {"status": "Accepted"}  # a new program asks again
    assert mocks.client is not first and mocks.client is not None
    assert mocks.client.metrics.requests == 1 and first.metrics.requests == 1


# -- no state outside a client -----------------------------------------------------------

# Module-level names that hold mutable state, and why each is not a client's.
ALLOWED_MODULE_STATE = {
    ("client.py", "_DEFAULTS"): "the lock-guarded default clients",
    ("redaction.py", "_secrets"): "logging is process-wide: so are the secrets it scrubs",
    ("redaction.py", "_public"): "as _secrets",
    ("program.py", "_program"): "the running Pulumi program's client (one per run)",
}
# Calls that build an object holding read state (the singletons there were before).
STATEFUL = {"RetryMetrics", "Chain", "Client", "Watchdog", "_Watchdog", "SharedReads",
            "_SharedReads", "_Batches", "_ProgramClient", "ThreadPoolExecutor", "WeakKeyDictionary",
            "WeakValueDictionary", "local", "deque", "defaultdict", "dict", "list", "set",
            "_Defaults"}


def _state_names(path: Path) -> set[str]:
    """Module-level names bound to a stateful object, or to a container that is not an
    UPPER_CASE constant table."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        names = [target.id for target in targets if isinstance(target, ast.Name)]
        if isinstance(value, ast.Call):
            func = value.func
            callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if callee in STATEFUL:
                found.update(names)
        elif isinstance(value, ast.Dict | ast.List | ast.Set):
            found.update(name for name in names
                         if not name.lstrip("_").isupper() and name != "__all__")
    return found


def test_no_module_keeps_read_state_outside_a_client() -> None:
    found = {
        (path.name, name)
        for path in PACKAGE.rglob("*.py") if "testing" not in path.parts
        for name in _state_names(path)
    }
    assert found == set(ALLOWED_MODULE_STATE), sorted(found ^ set(ALLOWED_MODULE_STATE))


# -- bad arguments: a clear error, before any request ------------------------------------


@pytest.mark.parametrize(("keywords", "words"), [
    ({"api": "GetHandshakes"}, "api must be one of"),
    ({"api": None}, "api must be one of"),
    ({"options": {"deadline": 1}}, "options must be a pulumi_aliread.ReadOptions"),
    ({"config": "alicloud:region=cn-hangzhou"}, "config must be a mapping"),
    ({"deadline": float("inf")}, "deadline must be a positive number"),
    ({"read_timeout": float("inf")}, "read_timeout must be a positive number"),
])
def test_bad_arguments_are_refused_before_any_request(emulator: Emulator, credentials: object,
                                                      keywords: dict, words: str) -> None:
    arguments = {"api": HANDSHAKE, **keywords}
    api = arguments.pop("api")
    with aliread.Client() as reader, pytest.raises(aliread.InvalidInputError, match=words):
        reader.read(api, SEED_HANDSHAKE_ID, endpoint=emulator.url, **arguments)
    assert emulator.count() == 0


def test_an_action_name_stands_for_its_api(emulator: Emulator, credentials: object) -> None:
    with aliread.Client() as reader:
        result = reader.read("GetJoinPermissionAuthOrder", SEED_ORDER_ID,
                             endpoint=emulator.url)
    assert result.order_id == SEED_ORDER_ID
