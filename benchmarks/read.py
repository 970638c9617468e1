"""1. One read: ``get_handshake`` / ``get_join_permission_auth_order`` against a bare
aliyunsdkcore ``AcsClient`` call of the same action on the same emulator (1a, 1b), and
``get_handshake`` against the floor (1c): a GET of a URL signed beforehand, sent with a
pooled urllib3 ``PoolManager``, which is all the network part of a read can cost.

The SDK baseline is what a user writes by hand: ``AcsClient(ak, secret, region,
auto_retry=False)``, an ``RpcRequest`` pointed at the emulator with ``set_endpoint``,
``do_action_with_exception`` and ``json.loads``. The emulator runs in its own process;
candidates and baselines alternate, each sample being the mean of a batch of calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .common import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    QUICK,
    REGION,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    EmulatorProcess,
    Row,
    apply_env,
    interleaved,
    ms,
)

TARGET = 1.10


def sdk_call(url: str, product: str, version: str, action: str, id_param: str,
             object_id: str) -> Callable[[], object]:
    """A bare SDK read of ``action`` against ``url``, as a user would write it."""
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import RpcRequest

    acs = AcsClient(ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION, auto_retry=False)

    def call() -> object:
        request = RpcRequest(product, version, action)
        request.set_accept_format("JSON")
        request.add_query_param(id_param, object_id)
        request.set_endpoint(url)
        return json.loads(acs.do_action_with_exception(request))

    return call


def floor_call(url: str, count: int) -> Callable[[], object]:
    """A GET of a pre-signed GetHandshake URL (``count`` of them, each nonce used once)
    through one pooled urllib3 ``PoolManager``: the network part of a read alone."""
    import urllib3

    from .capacity import signed_paths

    paths = iter(signed_paths(count))
    pool = urllib3.PoolManager(maxsize=4)

    def call() -> object:
        response = pool.request("GET", url + next(paths), retries=False, redirect=False)
        if response.status != 200:
            raise RuntimeError(f"the floor's GET answered HTTP {response.status}")
        return response.data

    return call


def _batch(fn: Callable[[], object], size: int) -> Callable[[], float]:
    import time

    def sample() -> float:
        started = time.perf_counter()
        for _ in range(size):
            fn()
        return (time.perf_counter() - started) / size

    return sample


def run(runs: int) -> list[Row]:
    apply_env()
    from pulumi_aliread import get_handshake, get_join_permission_auth_order

    size = 10 if QUICK else 50
    rows = []
    with EmulatorProcess() as emulator:
        url = emulator.url
        cases = [
            ("1a", "one read: get_handshake",
             lambda: get_handshake(SEED_HANDSHAKE_ID, endpoint=url),
             sdk_call(url, "ResourceManager", "2020-03-31", "GetHandshake", "HandshakeId",
                      SEED_HANDSHAKE_ID)),
            ("1b", "one read: get_join_permission_auth_order",
             lambda: get_join_permission_auth_order(SEED_ORDER_ID, endpoint=url),
             sdk_call(url, "LinkWAN", "2018-12-30", "GetJoinPermissionAuthOrder", "OrderId",
                      SEED_ORDER_ID)),
        ]
        floor = floor_call(url, 20 + runs * size)
        for number, name, library, sdk in cases:
            for _ in range(20):  # warm up both (imports, pools, caches)
                library()
                sdk()
            candidates = {"library": _batch(library, size), "sdk": _batch(sdk, size)}
            if number == "1a":
                for _ in range(20):
                    floor()
                candidates["floor"] = _batch(floor, size)
            medians = interleaved(candidates, runs)
            ratio = medians["library"] / medians["sdk"]
            rows.append(Row(
                number, name, ms(medians["library"]),
                f"{ms(medians['sdk'])} bare AcsClient", f"{ratio:.2f}x",
                f"<= {TARGET:.2f}x", ratio <= TARGET,
                f"median of {runs} interleaved batches of {size}",
            ))
            if "floor" in medians:
                ratio = medians["library"] / medians["floor"]
                rows.append(Row(
                    "1c", "one read: get_handshake against the floor", ms(medians["library"]),
                    f"{ms(medians['floor'])} pre-signed urllib3 GET", f"{ratio:.2f}x",
                    "-", None,
                    "printed, no target (retired: on loopback it weighs microseconds a real "
                    "endpoint 20-200 ms away never shows); the same interleaved batches as "
                    "1a; the floor's URLs signed before timing, one pooled urllib3 "
                    "PoolManager",
                ))
    return rows
