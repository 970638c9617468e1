"""6. The emulator's own capacity: requests per second it answers on this machine.

Pre-signed GetHandshake URLs (distinct nonces, signed before the clock starts) are sent
over keep-alive connections from several threads, so the client does as little as
possible. Compared with the rate benchmark 3 needs (32 reads in flight / 20 ms).
"""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlsplit

from .common import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    QUICK,
    REGION,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    EmulatorProcess,
    Row,
)

THREADS = 8
NEEDED_RATE = 32 / 0.020  # benchmark 3's ideal: 32 in flight, 20 ms each


HANDSHAKE_CALL = ("ResourceManager", "2020-03-31", "GetHandshake", "HandshakeId",
                  SEED_HANDSHAKE_ID)
ORDER_CALL = ("LinkWAN", "2018-12-30", "GetJoinPermissionAuthOrder", "OrderId", SEED_ORDER_ID)


def signed_paths(n: int, call: tuple[str, str, str, str, str] = HANDSHAKE_CALL) -> list[str]:
    """``n`` distinct signed paths of ``call`` (product, version, action, id parameter,
    id; default GetHandshake of the seed invitation), each nonce used once."""
    from aliyunsdkcore.request import RpcRequest

    product, version, action, id_param, object_id = call
    paths = []
    for _ in range(n):
        request = RpcRequest(product, version, action)
        request.set_accept_format("JSON")
        request.add_query_param(id_param, object_id)
        paths.append(request.get_url(REGION, ACCESS_KEY_ID, ACCESS_KEY_SECRET))
    return paths


def blast(url: str, paths: list[str], threads: int = THREADS) -> float:
    """Send every path (``threads`` keep-alive connections); return requests/s."""
    parts = urlsplit(url)
    chunks = [paths[i::threads] for i in range(threads)]
    failures: list[int] = []

    def worker(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        for path in chunk:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failures.append(response.status)
        conn.close()

    workers = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"emulator answered {len(failures)} non-200s, e.g. {failures[0]}")
    return len(paths) / elapsed


def run(runs: int) -> list[Row]:
    n = 300 if QUICK else 3000
    rates = []
    with EmulatorProcess() as emulator:
        blast(emulator.url, signed_paths(100))  # warm up
        for _ in range(runs):
            rates.append(blast(emulator.url, signed_paths(n)))
    rates.sort()
    rate = rates[len(rates) // 2]
    return [Row(
        "6", "emulator capacity (its own process, 8 keep-alive clients)",
        f"{rate:,.0f} req/s", f"{NEEDED_RATE:,.0f} req/s needed by #3",
        f"{rate / NEEDED_RATE:.2f}x", "info (>= 1x: #3 is not emulator-bound)",
        None, f"median of {runs} runs of {n} requests",
    )]
