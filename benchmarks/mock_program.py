"""One Pulumi program under the mock runtime (``ProviderMocks``) that reads handshakes
through ``get_handshake_output``: ``python -m benchmarks.mock_program URL MODE N``.

MODE ``distinct`` reads the ids given on stdin (one a line, N of them); ``identical``
reads the seed handshake N times; ``sleep`` is the floor: the same program shape with
each read replaced by a 20 ms ``asyncio.sleep``, 32 at once (Pulumi's own cost). Prints
JSON: seconds from the program's start until every read resolved, and how many results
came back.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

SEED_HANDSHAKE_ID = "h-ycm4rp3z8b1xq9vk"


def main() -> int:
    url, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ids = ([line.strip() for line in sys.stdin if line.strip()][:n] if mode != "identical"
           else [SEED_HANDSHAKE_ID] * n)
    import pulumi

    import pulumi_aliread as aliread
    from pulumi_aliread.testing.mocks import ProviderMocks

    mocks = ProviderMocks(config={"aliread:resourcemanagerEndpoint": url})

    def program() -> None:
        if mode == "sleep":
            reads = [sleeping_read(i) for i in ids]
        else:
            reads = [aliread.get_handshake_output(handshake_id=i) for i in ids]
        pulumi.export("statuses", pulumi.Output.all(*reads).apply(
            lambda results: [r.status for r in results]))

    gate: list[asyncio.Semaphore] = []

    def sleeping_read(object_id: str) -> pulumi.Output[Any]:
        # The same shape as get_handshake_output with plain inputs: one Output over a
        # coroutine that waits for a gated 20 ms "read".
        async def read() -> Any:
            if not gate:
                gate.append(asyncio.Semaphore(32))
            async with gate[0]:
                await asyncio.sleep(0.020)
            return type("Result", (), {"status": "Pending", "id": object_id})()

        known = asyncio.get_running_loop().create_future()
        known.set_result(True)
        return pulumi.Output(set(), read(), known)

    started = time.perf_counter()
    exports = mocks.run(program)
    seconds = time.perf_counter() - started
    statuses = exports.get("statuses")
    print(json.dumps({"seconds": seconds,
                      "results": len(statuses) if isinstance(statuses, list) else 0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
