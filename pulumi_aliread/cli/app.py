"""The ``aliread`` command (click): one subcommand per API in ``apis.APIS``, plus
``emulator``. ``main(argv)`` returns the exit code instead of exiting."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click
from click.core import ParameterSource

from .. import __version__
from ..apis import APIS, ApiSpec
from . import exitcodes
from .durations import parse_duration

DEFAULT_TIMEOUT = "30m"
DEFAULT_INTERVAL = "15s"
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 64


class Duration(click.ParamType):
    """30m, 90s, 1h30m, 250ms, or plain seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=exitcodes.EPILOG,
)
@click.version_option(__version__, prog_name="aliread")
def cli() -> None:
    """Read Alibaba Cloud resource-directory invitations and LinkWAN join-permission
    authorization orders: print them, check their state, or wait for it.

    Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
    (and ALIBABA_CLOUD_SECURITY_TOKEN), the older ALICLOUD_* variables, or the default
    credential chain (aliyun CLI profile, ECS RAM role, OIDC role).
    """


def _api_help(api: ApiSpec) -> str:
    versions = (
        f" --api-version: {', '.join(api.known_versions)} (default {api.version})."
        if len(api.known_versions) > 1 else ""
    )
    return (
        f"Read {api.title}s ({api.product} {api.action}) by id.\n\n"
        f"ID: {api.id_rule}. States: {', '.join(api.states)}; final: "
        f"{', '.join(api.terminal_states)}.\n\n"
        f"--expect STATE (repeatable) fails (exit 1) when an object is in another state. "
        f"--wait polls until every object is in an expected state (default expectation: "
        f"{' or '.join(api.success_states)}) and fails at once when one reaches a final "
        f"state that is not expected.\n\n"
        f"Endpoint: --endpoint, else {api.endpoint_env}, else "
        f"https://{api.endpoint_for('<region>')} (region: --region, else "
        f"ALIBABA_CLOUD_REGION_ID, else {api.default_region}).{versions}\n\n"
        "Output: a JSON array, one element per id in input order (the object's fields, "
        "request_id, api, ok, and error when it failed); a table when stdout is a terminal."
    )


def _api_command(api: ApiSpec) -> click.Command:
    params: list[click.Parameter] = [
        click.Argument(["ids"], nargs=-1, required=True, metavar="ID..."),
        click.Option(["--region"], help="Region id, e.g. cn-shanghai."),
        click.Option(["--endpoint"], metavar="HOST|URL",
                     help="API host (https) or URL, e.g. http://127.0.0.1:8080."),
        click.Option(["--expect", "expect"], multiple=True, metavar="STATE",
                     type=click.Choice(api.states),
                     help="A state that counts as success (repeatable)."),
        click.Option(["--wait"], is_flag=True,
                     help="Poll until every object is in an expected state."),
        click.Option(["--timeout"], type=Duration(), default=DEFAULT_TIMEOUT,
                     show_default=True, help="With --wait: give up (exit 4) after this."),
        click.Option(["--interval"], type=Duration(), default=DEFAULT_INTERVAL,
                     show_default=True, help="With --wait: pause between reads (+/-20%)."),
        click.Option(["--output", "-o"], type=click.Choice(["json", "table"]),
                     help="Default: table on a terminal, json otherwise."),
        click.Option(["--concurrency"], type=click.IntRange(1, MAX_CONCURRENCY),
                     default=DEFAULT_CONCURRENCY, show_default=True,
                     help="Reads in flight at once."),
        click.Option(["--progress"], is_flag=True,
                     help="Report waiting progress on stderr even when it is not a terminal."),
        click.Option(["--allow-insecure-http", "allow_insecure_http"], is_flag=True,
                     default=None,
                     help="Allow an http:// endpoint that is not loopback (signed requests "
                     "and STS tokens in clear text; else ALIREAD_ALLOW_INSECURE_HTTP)."),
    ]
    if len(api.known_versions) > 1:
        params.insert(3, click.Option(
            ["--api-version"], type=click.Choice(api.known_versions),
            help=f"API version (default {api.version})."))

    def callback(**options: Any) -> int:
        ctx = click.get_current_context()
        if not options["wait"]:
            for name in ("timeout", "interval"):
                if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
                    raise click.UsageError(f"--{name} only makes sense with --wait.", ctx)
        from .command import OutputClosed, run

        try:
            return run(api, **options)
        except BrokenPipeError:  # click would exit 1 on its own: say it was the pipe
            raise OutputClosed(None) from None

    return click.Command(
        api.name, callback=callback, params=params, help=_api_help(api),
        short_help=f"Read {api.title}s ({api.action}).", epilog=exitcodes.EPILOG,
    )


for _api in APIS.values():
    cli.add_command(_api_command(_api))


@cli.command("emulator")
@click.option("--port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--data", metavar="FILE", default=None,
              help='JSON file {"handshakes": [...], "auth_orders": [...]}; default: seeds.')
@click.option("--latency", type=float, default=0.0, help="Seconds added to every answer.")
def emulator(port: int, host: str, data: str | None, latency: float) -> int:
    """Serve a local fake of both APIs, print its URL, run until Ctrl-C.

    Point reads at it with --endpoint URL and the AccessKey pair it prints on stderr,
    to rehearse a pipeline offline.
    """
    from ..testing.emulator import serve_forever_cli

    argv = ["--port", str(port), "--host", host, "--latency", str(latency)]
    if data is not None:
        argv += ["--data", data]
    return serve_forever_cli(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``aliread`` with ``argv`` (default: sys.argv[1:]); return the exit code."""
    from .command import OutputClosed

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        try:
            code = cli.main(args=args, prog_name="aliread", standalone_mode=False)
        except click.ClickException as exc:  # usage errors: exit 2
            exc.show()
            return exc.exit_code
        except click.exceptions.Abort:
            click.echo("aliread: interrupted", err=True)
            return exitcodes.INTERRUPTED
    except OutputClosed as closed:  # e.g. `aliread ... | head`: keep the reads' verdict
        _silence_closed_output()
        return exitcodes.BROKEN_PIPE if closed.exit_code is None else closed.exit_code
    except (BrokenPipeError, SystemExit):  # click exits on EPIPE itself (e.g. --help)
        _silence_closed_output()
        return exitcodes.BROKEN_PIPE
    return code if isinstance(code, int) else exitcodes.OK


def _silence_closed_output() -> None:
    """Point a closed stdout / stderr at /dev/null, so that flushing it at exit does not
    print "Exception ignored ... BrokenPipeError"; a stream still open keeps working."""
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
            continue
        except (OSError, ValueError):
            pass
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, stream.fileno())
            finally:
                os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass
