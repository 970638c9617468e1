"""9. What the provider plugin costs a Pulumi YAML program, under the real engine
(``make engine``; skipped without it).

9a: ``pulumi preview`` of a YAML program that reads one invitation (``fn::invoke`` of
``aliread:index:getHandshake``) and one order (the read-only resource), the plugin
installed with ``pulumi plugin install --file`` of its archive, against the emulator in
its own process; baseline: the same preview of a YAML program with no provider (one
constant output), the floor of any YAML preview. Fresh CLI runs, interleaved, medians.

9b: where the plugin's share goes: the plugin process from its start until it prints its
port (what the engine waits for before its first call), against ``python -c "import
pulumi"`` (which the plugin cannot avoid: ``pulumi.provider.experimental`` is inside the
``pulumi`` package, and the gRPC server is Pulumi's own); the notes give ``-X importtime``
figures of one plugin start.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from .common import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    PYTHON,
    QUICK,
    ROOT,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    EmulatorProcess,
    Row,
    bench_env,
    interleaved,
    ms,
    skipped,
    timed,
)
from .startup import import_costs

FLOOR = "name: floor\nruntime: yaml\noutputs:\n  answer: 42\n"
PROGRAM = f"""\
name: reads
runtime: yaml
variables:
  invite:
    fn::invoke:
      function: aliread:index:getHandshake
      arguments:
        handshakeId: {SEED_HANDSHAKE_ID}
resources:
  grant:
    type: aliread:index:JoinPermissionAuthOrder
    properties:
      orderId: "{SEED_ORDER_ID}"
outputs:
  inviteStatus: ${{invite.status}}
  grantState: ${{grant.orderState}}
"""


def engine_bin() -> Path | None:
    """The folder of the engine ``make engine`` built, or None."""
    done = subprocess.run([str(ROOT / "scripts" / "pulumi-engine.sh"), "--bin-dir"],
                          capture_output=True, text=True, check=False)
    found = Path(done.stdout.strip())
    if done.returncode != 0 or not (found.parent / ".complete").exists():
        return None
    return found if (found / "pulumi-language-yaml").exists() else None


def pulumi_cli(engine: Path, env: dict[str, str], cwd: Path, *args: str) -> None:
    """``pulumi ARGS --non-interactive`` in ``cwd``; raises when it fails."""
    subprocess.run([str(engine / "pulumi"), *args, "--non-interactive"], cwd=cwd, env=env,
                   capture_output=True, text=True, timeout=600, check=True)


EAGER = ("import sys; import pulumi_aliread.core.client; "
         "from pulumi_aliread.plugin import main; main(sys.argv[1:])")


def plugin_start(eager: bool = False) -> float:
    """Seconds from starting the plugin until it prints its port (then it is stopped);
    ``eager``: with the read path imported before serving, as before it was deferred."""
    def start() -> None:
        argv = ["-c", EAGER] if eager else ["-m", "pulumi_aliread.plugin"]
        with subprocess.Popen([PYTHON, *argv, "127.0.0.1:1"],
                              cwd=ROOT, env=bench_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) as proc:
            assert proc.stdout is not None
            port = proc.stdout.readline()
            proc.kill()
        if not port.strip().isdigit():
            raise RuntimeError(f"the plugin printed {port!r}, not its port")
    return timed(start)


def run(runs: int) -> list[Row]:
    name_a = "YAML preview, 1 invoke + 1 read-only resource (the plugin)"
    name_b = "plugin start, until it prints its port"
    engine = engine_bin()
    if engine is None:
        why = "no engine with the YAML host: build it with `make engine`"
        return [skipped("9a", name_a, "info", why), skipped("9b", name_b, "info", why)]
    runs = max(runs, 1 if QUICK else 11)
    with tempfile.TemporaryDirectory(prefix="bench-plugin-") as tmp, \
            EmulatorProcess() as emulator:
        root = Path(tmp)
        env = bench_env(
            PATH=os.pathsep.join([str(engine), "/usr/local/bin", "/usr/bin", "/bin"]),
            HOME=str(root), PULUMI_HOME=str(root / "pulumi-home"),
            PULUMI_BACKEND_URL=f"file://{root}", PULUMI_CONFIG_PASSPHRASE="bench",
            PULUMI_SKIP_UPDATE_CHECK="1", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="1")
        archive = subprocess.run(
            [PYTHON, "-m", "pulumi_aliread.plugin.archive", "--out", str(root / "dist")],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
        pulumi_cli(engine, env, root, "plugin", "install", "resource", "aliread",
                __import__("pulumi_aliread").__version__, "--file", archive)
        projects: dict[str, Path] = {}
        for name, text in (("floor", FLOOR), ("reads", PROGRAM)):
            folder = projects[name] = root / name
            folder.mkdir()
            (folder / "Pulumi.yaml").write_text(text, encoding="utf-8")
            pulumi_cli(engine, env, folder, "stack", "init", "bench")
        for key, value in (("resourcemanagerEndpoint", emulator.url),
                           ("linkwanEndpoint", emulator.url), ("accessKey", ACCESS_KEY_ID)):
            pulumi_cli(engine, env, projects["reads"], "config", "set", f"aliread:{key}", value)
        pulumi_cli(engine, env, projects["reads"], "config", "set", "--secret",
                "aliread:secretKey", ACCESS_KEY_SECRET)

        def preview(folder: Path) -> Callable[[], float]:
            return lambda: timed(lambda: pulumi_cli(engine, env, folder, "preview"))

        candidates = {name: preview(folder) for name, folder in projects.items()}
        candidates["start"] = plugin_start
        candidates["eager"] = lambda: plugin_start(eager=True)
        candidates["pulumi"] = lambda: timed(
            lambda: subprocess.run([PYTHON, "-c", "import pulumi"], env=bench_env(),
                                   check=True))
        for candidate in candidates.values():  # warm caches, .pyc files, the state
            candidate()
        medians = interleaved(candidates, runs)
    costs = import_costs(["-c", "import pulumi_aliread.plugin.server"])
    client = "pulumi_aliread.core.client"
    read_path = import_costs(["-c", f"import pulumi_aliread.plugin.server, {client}"]).get(
        client, 0)
    adds = medians["reads"] - medians["floor"]
    own = costs.get("pulumi_aliread.plugin.server", 0) - costs.get("pulumi", 0)
    return [
        Row("9a", name_a, ms(medians["reads"]), f"{ms(medians['floor'])} YAML, no provider",
            f"{medians['reads'] / medians['floor']:.2f}x", "info", None,
            f"median of {runs} interleaved `pulumi preview` runs; the plugin and its two "
            f"reads add {ms(adds)}, of which the plugin's start (9b) "
            f"{ms(medians['start'])}; the rest: the engine loading the plugin's schema, "
            "Configure, the reads themselves, the YAML host's evaluation"),
        Row("9b", name_b, ms(medians["start"]), f"{ms(medians['pulumi'])} import pulumi",
            f"{medians['start'] / medians['pulumi']:.2f}x", "info", None,
            f"median of {runs} interleaved runs; imports (-X importtime, one run): "
            f"{costs['total']:.0f} ms in all, `import pulumi` "
            f"{costs.get('pulumi', 0):.0f} ms (of it opentelemetry "
            f"{costs.get('opentelemetry.sdk.trace', 0):.0f} ms, pulumi.automation "
            f"{costs.get('pulumi.automation', 0):.0f} ms), grpc {costs.get('grpc', 0):.0f} ms, "
            f"the plugin's own modules and grpc {own:.0f} ms; the read path "
            f"(pulumi_aliread.core.client: marshmallow, the signer, the transport) {read_path:.0f} "
            "ms more, imported on a thread once the port is printed: started with it "
            f"imported first, the plugin printed its port after {ms(medians['eager'])}"),
    ]
