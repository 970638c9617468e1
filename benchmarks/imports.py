"""2. Import: ``python -c "import pulumi, pulumi_aliread"`` against
``python -c "import pulumi"``, fresh processes, interleaved, medians of wall time.

Also checks which heavy modules the import loads (it should load none of them: they
are imported only when a read, the CLI or the emulator needs them).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .common import QUICK, Row, interleaved, ms, run_python, timed

TARGET = 1.15
HEAVY = ("click", "alibabacloud_credentials", "aliyunsdkcore", "marshmallow", "tenacity",
         "pulumi_aliread.testing.emulator", "pulumi_aliread.cli")


def heavy_loaded() -> list[str]:
    """The HEAVY modules present after ``import pulumi, pulumi_aliread``."""
    code = (f"import json, sys, pulumi, pulumi_aliread; "
            f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))")
    result = run_python(["-c", code], stdout=-1)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode(errors="replace"))
    return json.loads(result.stdout)


def run(runs: int) -> list[Row]:
    runs = max(runs, 3 if QUICK else 21)

    def command(code: str) -> Callable[[], float]:
        return lambda: timed(lambda: run_python(["-c", code]).check_returncode())

    for _ in range(2):  # warm the file cache and .pyc files
        command("import pulumi, pulumi_aliread")()
    medians = interleaved({
        "with": command("import pulumi, pulumi_aliread"),
        "without": command("import pulumi"),
    }, runs)
    ratio = medians["with"] / medians["without"]
    heavy = heavy_loaded()
    return [Row(
        "2", "import pulumi, pulumi_aliread (fresh process)", ms(medians["with"]),
        f"{ms(medians['without'])} import pulumi", f"{ratio:.2f}x", f"<= {TARGET:.2f}x",
        ratio <= TARGET and not heavy,
        f"median of {runs} interleaved runs; "
        f"{(medians['with'] - medians['without']) * 1000:+.0f} ms; "
        f"heavy modules loaded: {', '.join(heavy) or 'none'}",
    )]
