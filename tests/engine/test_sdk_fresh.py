"""``sdk/`` (the TypeScript and Go SDKs of the provider plugin) is what the generator
makes of ``pulumi_aliread/plugin/schema.json`` today: regenerate with ``make sdk``."""

from __future__ import annotations

import filecmp
import os
import subprocess
from pathlib import Path

import pytest
from engine_harness import REPO

GEN_SDK = REPO / "scripts" / "gen-sdk.sh"


@pytest.fixture(scope="module")
def generator() -> Path:
    found = Path(subprocess.run([str(GEN_SDK), "--bin-path"], capture_output=True, text=True,
                                check=True, timeout=60).stdout.strip())
    if not found.exists():
        message = ("no SDK generator: build it with `scripts/gen-sdk.sh --bin` "
                   "(or `make sdk`; needs Go and the Go module proxy)")
        if os.environ.get("ALIREAD_REQUIRE_ENGINE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_the_generated_sdks_are_up_to_date(generator: Path, tmp_path: Path) -> None:
    schema = REPO / "pulumi_aliread" / "plugin" / "schema.json"
    subprocess.run([str(generator), str(schema), str(tmp_path)], check=True,
                   capture_output=True, timeout=300)

    for language in ("nodejs", "go"):
        fresh, kept = tmp_path / language, REPO / "sdk" / language
        assert _tree(fresh) == _tree(kept), f"sdk/{language} is stale: run `make sdk`"
        stale = [name for name in sorted(_tree(fresh))
                 if not filecmp.cmp(fresh / name, kept / name, shallow=False)]
        assert not stale, f"sdk/{language} is stale ({', '.join(stale)}): run `make sdk`"
