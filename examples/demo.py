"""A tour of pulumi-aliread without a cloud account (``make demo``).

1. start the embedded emulator of both Alibaba Cloud APIs;
2. read the seed invitation and authorization order with the plain Python functions;
3. run ``examples/onboarding-check`` in-process as ``pulumi preview`` would (Pulumi's mock
   runtime, the real dynamic provider) once the invitation is accepted: stack outputs;
4. the same while the invitation is still pending: the preview fails, with one line.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")  # never probe ECS

import pulumi_aliread as aliread  # noqa: E402
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    Emulator,
)

PROGRAM = Path(__file__).resolve().parent / "onboarding-check" / "__main__.py"


def show(title: str, values: dict[str, Any]) -> None:
    print(f"\n{title}")
    width = max(len(key) for key in values)
    for key, value in values.items():
        print(f"  {key:<{width}}  {value}")


def run_onboarding_check(emulator: Emulator) -> dict[str, Any]:
    from pulumi_aliread.testing.mocks import ProviderMocks

    mocks = ProviderMocks(
        {  # what `pulumi config set ...` would hold for the stack
            "aliread:resourcemanagerEndpoint": emulator.url,
            "aliread:linkwanEndpoint": emulator.url,
            "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
            "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
        },
        project="onboarding-check",
    )
    return mocks.run(lambda: runpy.run_path(str(PROGRAM)), preview=True)


def main() -> int:
    with Emulator() as emulator:
        print(f"Emulator of GetHandshake and GetJoinPermissionAuthOrder on {emulator.url}")
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = DEFAULT_ACCESS_KEY_ID
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = DEFAULT_ACCESS_KEY_SECRET

        invite = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
        order = aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url)
        show(f"aliread.get_handshake({SEED_HANDSHAKE_ID!r})", invite.to_dict())
        show(f"aliread.get_join_permission_auth_order({SEED_ORDER_ID!r})", order.to_dict())

        print("\n--- examples/onboarding-check, as `pulumi preview` runs it ---")
        print("The invited account accepts the invitation ...")
        emulator.set_state(SEED_HANDSHAKE_ID, "Accepted")
        show("Stack outputs (preview passes):", run_onboarding_check(emulator))

        print("\nThe same check while the invitation is still Pending ...")
        emulator.set_state(SEED_HANDSHAKE_ID, "Pending")
        try:
            run_onboarding_check(emulator)
        except aliread.ExpectationNotMetError as error:
            print(f"\nPreview fails, as CI should:\n  error: {error}")
        else:
            print("\nunexpected: the preview passed with a pending invitation")
            return 1
    print("\nNo cloud account was used. Next: examples/onboarding-check/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
