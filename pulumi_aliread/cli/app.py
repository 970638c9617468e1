"""The ``aliread`` command (click): one subcommand per API in ``apis.APIS``, plus
``emulator``. ``main(argv)`` returns the exit code instead of exiting."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any, TextIO

import click
from click.core import ParameterSource

from .. import __version__
from ..core.apis import APIS, LISTS, ApiSpec
from ..core.paging import MAX_ITEMS, MAX_RESTARTS
from ..core.redaction import one_line, printable
from ..core.spec import ListSpec, one_of
from . import exitcodes
from .durations import format_duration, parse_duration

DEFAULT_TIMEOUT = "30m"
DEFAULT_INTERVAL = "15s"
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 64
# Polling faster than this only spends the account's API quota (1 ms once sent 761
# requests in 2 s): the objects change when a person acts on them.
MIN_INTERVAL = 1.0


class Duration(click.ParamType):
    """30m, 90s, 1h30m, 250ms, or plain seconds; at least ``minimum`` seconds."""

    name = "duration"

    def __init__(self, minimum: float | None = None, why: str = "") -> None:
        self.minimum = minimum
        self.why = why

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            seconds = parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if self.minimum is not None and seconds < self.minimum:
            self.fail(f"{value!r} is below the minimum of {format_duration(self.minimum)}"
                      f"{self.why}: use e.g. {format_duration(self.minimum)} or more.",
                      param, ctx)
        return seconds


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


def _shared_options(deadline_help: str) -> list[click.Parameter]:
    """The options every read command has: where to read, how long, how to print."""
    return [
        click.Option(["--region"], help="Region id, e.g. cn-shanghai."),
        click.Option(["--endpoint"], metavar="HOST|URL",
                     help="API host (https) or URL, e.g. http://127.0.0.1:8080."),
        click.Option(["--connect-timeout", "connect_timeout"], type=Duration(), default=None,
                     metavar="DURATION",
                     help="Give up connecting after this, per attempt [default: 5s]."),
        click.Option(["--read-timeout", "read_timeout"], type=Duration(), default=None,
                     metavar="DURATION",
                     help="Give up waiting for an answer after this, per attempt "
                          "[default: 10s]."),
        click.Option(["--deadline"], type=Duration(), default=None, metavar="DURATION",
                     help=deadline_help),
        click.Option(["--output", "-o"], type=click.Choice(["json", "table"]),
                     help="Default: table on a terminal, json otherwise."),
        click.Option(
            ["--allow-insecure-http", "allow_insecure_http"], is_flag=True, default=None,
            help="Allow an http:// endpoint that is not loopback (signed requests and STS "
                 "tokens in clear text; else ALIREAD_ALLOW_INSECURE_HTTP)."),
    ]


def _api_command(api: ApiSpec) -> click.Command:
    versions = (
        f" --api-version: {', '.join(api.known_versions)} (default {api.version})."
        if len(api.known_versions) > 1 else ""
    )
    help_text = (
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
        "IDs: as arguments, '-' for ids on stdin, and/or --ids-from FILE (whitespace-"
        "separated; '#' starts a comment). An id given twice is read once.\n\n"
        "Output: a JSON array, one element per given id in input order (the object's "
        "fields, request_id, api, ok, and error when it failed); a table when stdout is a "
        "terminal."
    )
    params: list[click.Parameter] = [
        click.Argument(["ids"], nargs=-1, required=False, metavar="[ID|-]..."),
        click.Option(["--ids-from", "ids_from"], metavar="FILE",
                     type=click.File("r", encoding="utf-8", lazy=False),
                     help="Also read the ids in FILE ('-': stdin), whitespace-separated."),
        click.Option(["--expect", "expect"], multiple=True, metavar="STATE",
                     type=click.Choice(api.states),
                     help="A state that counts as success (repeatable)."),
        click.Option(["--wait"], is_flag=True,
                     help="Poll until every object is in an expected state."),
        click.Option(["--timeout"], type=Duration(), default=DEFAULT_TIMEOUT,
                     show_default=True, help="With --wait: give up (exit 4) after this."),
        click.Option(["--interval"], type=Duration(MIN_INTERVAL, " between rounds of reads"),
                     default=DEFAULT_INTERVAL, show_default=True,
                     help="With --wait: pause between reads (+/-20%); at least 1s."),
        click.Option(["--concurrency"], type=click.IntRange(1, MAX_CONCURRENCY),
                     default=DEFAULT_CONCURRENCY, show_default=True,
                     help="Reads in flight at once."),
        click.Option(["--progress"], is_flag=True,
                     help="Report waiting progress on stderr even when it is not a terminal."),
        *_shared_options("Give up on one read, all its retries included, after this "
                         "[default: 60s]."),
    ]
    if len(api.known_versions) > 1:
        params.append(click.Option(
            ["--api-version"], type=click.Choice(api.known_versions),
            help=f"API version (default {api.version})."))
    if api.invited_accepted_code is not None:
        params.append(click.Option(
            ["--invited-account"], is_flag=True,
            help=f"The credentials are the invited account's: count its HTTP 409 "
                 f"{api.invited_accepted_code} answer (how {api.action} answers that "
                 f"account once the invitation is accepted) as {api.success_states[0]}."))

    def callback(**options: Any) -> int:
        ctx = click.get_current_context()
        if not options["wait"]:
            for name in ("timeout", "interval"):
                if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
                    raise click.UsageError(f"--{name} only makes sense with --wait.", ctx)
        options["ids"] = _all_ids(options["ids"], options.pop("ids_from"), ctx)
        from .command import run

        return run(api, **options)

    return click.Command(
        api.name, callback=callback, params=params, help=help_text,
        short_help=f"Read {api.title}s ({api.action}).", epilog=exitcodes.EPILOG,
    )


def _all_ids(arguments: tuple[str, ...], ids_from: TextIO | None,
             ctx: click.Context) -> list[str]:
    """The ids in the order given: arguments (``-`` stands for those on stdin), then
    those of ``--ids-from``. Raises UsageError when there are none."""
    ids: list[str] = []
    stdin_read = False
    for argument in arguments:
        if argument != "-":
            ids.append(argument)
        elif not stdin_read:
            stdin = click.get_text_stream("stdin")  # type: ignore[operator]  # click's stub
            ids.extend(_ids_in(stdin, "stdin", ctx))
            stdin_read = True
    if ids_from is not None:
        ids.extend(_ids_in(ids_from, ids_from.name, ctx))
    if not ids:
        raise click.UsageError(
            "no ID given: give one or more ids as arguments, '-' to read them from stdin, "
            "or --ids-from FILE.", ctx)
    return ids


def _ids_in(stream: TextIO, name: str, ctx: click.Context) -> list[str]:
    """Whitespace-separated ids of ``stream``; ``#`` starts a comment."""
    try:
        text = stream.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise click.UsageError(f"cannot read ids from {name}: {exc}", ctx) from None
    return [word for line in text.splitlines() for word in line.split("#", 1)[0].split()]


for _api in APIS.values():
    cli.add_command(_api_command(_api))


def _list_command(views: dict[bool, ListSpec]) -> click.Command:
    """The subcommand of a list operation (its management account's view), with
    --invited-account when the same objects have an invited account's view."""
    spec, item = views[False], views[False].item
    invited = (f" With --invited-account: {views[True].action}, the {item.title}s sent to "
               "the calling account (its own credentials)." if True in views else "")
    help_text = (
        f"List {item.title}s ({spec.product} {spec.action}: the management account's "
        f"view).{invited}\n\n"
        f"Every page is read ({spec.page_size_max} a page, until the {spec.total_key} the "
        f"API reports is in), each through the retry policy, all within --deadline; a "
        f"list that changes while it is read is read again, at most "
        f"{MAX_RESTARTS} times. The filters apply afterwards (the API has none): "
        f"--status ({one_of(item.states)}), --id ({item.id_rule}), --target-entity "
        f"(exact match); each repeatable, except --target-entity.\n\n"
        f"--expect STATE (repeatable) fails (exit 1) when a listed {item.title} is in "
        f"another state. --details reads each listed one with {item.action} for the "
        f"fields list answers lack.\n\n"
        f"Endpoint: --endpoint, else {spec.endpoint_env}, else "
        f"https://{spec.endpoint_for('<region>')}.\n\n"
        "Output: a JSON array, one element per listed object in the API's order (its "
        "fields, request_id of its page, api, ok, and error when not expected); when the "
        "listing fails, one element with api, ok and error. A table (status and expiry "
        "first) when stdout is a terminal."
    )
    params: list[click.Parameter] = [
        click.Option(["--status", "status"], multiple=True, metavar="STATUS",
                     type=click.Choice(item.states),
                     help=f"Keep the {item.title}s in this state (repeatable)."),
        click.Option(["--id", "ids"], multiple=True, metavar="ID",
                     help=f"Keep this {item.id_keyword} (repeatable)."),
        click.Option(["--target-entity", "target_entity"], metavar="ACCOUNT|EMAIL",
                     help="Keep those sent to this account id or login email."),
        click.Option(["--details"], is_flag=True,
                     help=f"Read each listed one with {item.action} (every field)."),
        click.Option(["--expect", "expect"], multiple=True, metavar="STATE",
                     type=click.Choice(item.states),
                     help="A state every listed one must be in (repeatable)."),
        click.Option(["--max-items", "max_items"], type=click.IntRange(min=1), default=None,
                     metavar="N",
                     help=f"Fail (exit 3, TooManyItems) when the list holds more than N "
                          f"[default: {MAX_ITEMS}]."),
        *_shared_options("Give up on the whole listing, every page and retry included, "
                         "after this [default: 60s]."),
    ]
    if True in views:
        params.append(click.Option(
            ["--invited-account"], is_flag=True,
            help=f"List with {views[True].action}: the {item.title}s sent to the calling "
                 "account (the invited account's credentials)."))

    def callback(**options: Any) -> int:
        from .command import run_list

        return run_list(views, name=spec.name, **options)

    return click.Command(
        spec.name, callback=callback, params=params, help=help_text,
        short_help=f"List {item.title}s ({spec.action}).", epilog=exitcodes.EPILOG,
    )


for _list in LISTS.values():
    if not _list.invited_view:
        cli.add_command(_list_command(_list.views(LISTS)))


@cli.command("emulator", add_help_option=False,
             context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def emulator(argv: tuple[str, ...]) -> int:
    """Serve a local fake of both APIs, print its URL, run until Ctrl-C.

    The options (``--help``) are those of ``python -m pulumi_aliread.testing.emulator``,
    parsed by its own parser (``testing.cli.main``).
    """
    from ..testing.cli import main as emulator_main
    from ..testing.emulator import Emulator

    try:
        return emulator_main(list(argv), Emulator, prog="aliread emulator")
    except SystemExit as done:  # its parser's --help (0) or usage error (2)
        return done.code if isinstance(done.code, int) else exitcodes.BAD_INPUT


class Interrupted(BaseException):  # noqa: N818 - like KeyboardInterrupt, not an error
    """The command received SIGINT or SIGTERM; ``exit_code`` is 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        self.signum = int(signum)
        self.name = signal.Signals(signum).name
        self.exit_code = 128 + self.signum
        super().__init__(self.name)


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def _signals_as_exceptions() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise ``Interrupted`` in the main thread, so
    that the command stops at once, whatever it is doing (the reads run on the client's
    loop thread, which never receives them).

    A signal the parent set to be ignored (SIGINT of a background job) stays ignored;
    the previous handlers are put back afterwards. Outside the main thread, a no-op.
    """
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            current = signal.getsignal(signum)
            if current in (signal.SIG_DFL, signal.default_int_handler):
                previous[signum] = current
                signal.signal(signum, _interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``aliread`` with ``argv`` (default: sys.argv[1:]); return the exit code.

    Never raises and never prints a traceback: SIGINT / SIGTERM end the command at once
    (130 / 143), an output that cannot be written exits 74, and anything unexpected is a
    bug reported on one line with exit 70 (``ALIREAD_DEBUG=1`` adds the traceback).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    _usable_streams()
    with _signals_as_exceptions():
        try:
            return _main(args)
        except Interrupted as stop:
            _say(f"aliread: interrupted by {stop.name}; reads in flight were abandoned.")
            return stop.exit_code
        except OSError as exc:  # e.g. stdout is /dev/full
            _say(f"aliread: cannot write the output: {_describe(exc)}")
            _silence_closed_output()
            return exitcodes.IO_ERROR
        except Exception as exc:  # noqa: BLE001 - a bug: one line, never exit 0-4
            if os.environ.get("ALIREAD_DEBUG"):
                import traceback

                traceback.print_exc()
            _say(f"aliread: internal error ({_describe(exc)}). This is a bug in aliread: "
                 "please report it, with the output of the same command run with "
                 "ALIREAD_DEBUG=1.")
            _silence_closed_output()
            return exitcodes.INTERNAL_ERROR


def _main(args: list[str]) -> int:
    try:
        # A command whose stdout was closed early (`aliread ... | head`) raises
        # click.exceptions.Exit with the reads' verdict: click returns its code.
        code = cli.main(args=args, prog_name="aliread", standalone_mode=False)
    except click.ClickException as exc:  # usage errors: exit 2
        with contextlib.suppress(OSError):  # stderr unwritable: the verdict stands
            exc.show()
        return exc.exit_code
    except click.exceptions.Abort:  # Ctrl-C where click saw it first
        raise Interrupted(signal.SIGINT) from None
    except (BrokenPipeError, SystemExit):  # click exits on EPIPE itself (e.g. --help)
        code = exitcodes.BROKEN_PIPE
    _silence_closed_output()
    return code if isinstance(code, int) else exitcodes.OK


def _describe(exc: BaseException) -> str:
    text = one_line(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _say(line: str) -> None:
    """One line on stderr, if stderr can take it; control characters shown escaped
    (``redaction.printable``), never written raw."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(printable(line), file=sys.stderr, flush=True)


def _usable_streams() -> None:
    """A closed stdout/stderr (``>&-``) becomes /dev/null, so that the reads still run
    and the exit code still tells; text a stream's encoding cannot carry (e.g.
    ``PYTHONIOENCODING=ascii``) is written as backslash escapes instead of failing."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
            continue
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            with contextlib.suppress(OSError, ValueError):
                reconfigure(errors="backslashreplace")


def _silence_closed_output() -> None:
    """Point a closed stdout / stderr at /dev/null, so that flushing it at exit does not
    print "Exception ignored ... BrokenPipeError"; a stream still open keeps working."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
                os.close(devnull)
