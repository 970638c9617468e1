"""The Alibaba Cloud default credential chain, asked source by source, saying nothing of
what the sources answered.

The providers are alibabacloud-credentials' own, in its ``DefaultCredentialsProvider``
order (OIDC role, aliyun CLI profile, credentials file, ECS RAM role, credentials URI).
They are built here rather than taken whole from that class because:

- its error text quotes what a source answered (a credentials URI's JSON, with the
  AccessKey secret and STS token in it), and it logs the same on stderr; here a failed
  source is named with what to set, never with its words, and the library's log records
  are withheld (``quiet_library_logging``);
- it reads the environment once, at import, and a profile file once, ever: a profile
  rotated by another tool while a long ``aliread --wait`` runs was never seen again.
  Here the environment is read at each lookup, and a source is rebuilt when its file
  changes (its size, mtime or inode), so rotated credentials are picked up; sources that
  renew themselves (STS, ECS role) keep their cache while their settings stay the same.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NoCredentialsError
from . import redaction

_TRUE = ("1", "true", "yes", "on")


class SourceNotSet(Exception):
    """The source is not configured here (a variable or file is missing)."""


class SourceUnusable(SourceNotSet):
    """The source is set up wrongly (its file is a directory, or cannot be read); the
    text says what to do."""


@dataclass(frozen=True)
class Source:
    """One place credentials may come from.

    ``name``: how messages call it; ``setup``: what a user sets to use it; ``key``: the
    settings the provider is built from (a new key builds a new provider); ``build``
    returns the library provider, or raises ``SourceNotSet``; ``bound``: seconds its
    lookup is waited for at most.
    """

    name: str
    setup: str
    key: tuple[Any, ...]
    build: Callable[[], Any]
    bound: float = 15.0  # seconds a lookup may take: the library's 5 s + 10 s timeouts


def _file_key(path: str) -> tuple[Any, ...]:
    try:
        info = os.stat(path)
    except OSError:
        return (path, None)
    return (path, info.st_size, info.st_mtime_ns, info.st_ino)


def _check_file(path: str, named_by: str) -> None:
    """Raise ``SourceNotSet`` when ``path`` does not exist, ``SourceUnusable`` when it
    is not a readable file (``named_by``: where the path came from, for the message)."""
    if not os.path.lexists(path):
        raise SourceNotSet(f"no file {path}")
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:  # a dangling link, a path through a file, a loop...
        raise SourceUnusable(
            f"{named_by} {path} cannot be read ({exc.strerror or type(exc).__name__}): "
            "point it at an existing credentials file") from None
    if stat.S_ISDIR(mode):
        raise SourceUnusable(f"{named_by} {path} is a directory, not a credentials file: "
                             "point it at the file itself")
    if not stat.S_ISREG(mode):  # a FIFO or device would block or never end
        raise SourceUnusable(f"{named_by} {path} is not a regular file: point it at the "
                             "credentials file itself")
    if not os.access(path, os.R_OK):
        raise SourceUnusable(f"{named_by} {path} cannot be read (permission denied): give "
                             "this user read access to it, or point it at a readable file")


def default_sources(profile: str | None = None,
                    env: Mapping[str, str] | None = None) -> list[Source]:
    """The chain's sources, from the environment as it is now. With ``profile`` (Pulumi
    config ``alicloud:profile``), only that aliyun CLI profile."""
    env = os.environ if env is None else env
    home = env.get("HOME") or str(Path.home())
    cli_file = os.path.join(home, ".aliyun", "config.json")
    cli_profile = profile or env.get("ALIBABA_CLOUD_PROFILE") or None
    cli = Source(
        f"aliyun CLI profile {cli_profile!r}" if cli_profile else "aliyun CLI profile",
        "run `aliyun configure` (ALIBABA_CLOUD_PROFILE picks the profile)",
        ("cli", cli_profile, _file_key(cli_file)),
        lambda: _cli_profile(cli_file, cli_profile, env),
    )
    if profile:
        return [cli]
    role_arn = env.get("ALIBABA_CLOUD_ROLE_ARN", "")
    oidc_arn = env.get("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "")
    token_file = env.get("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "")
    ini_file = env.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or os.path.join(
        home, ".alibabacloud", "credentials.ini")
    ini_named_by = ("ALIBABA_CLOUD_CREDENTIALS_FILE" if env.get("ALIBABA_CLOUD_CREDENTIALS_FILE")
                    else "the default credentials file")
    ini_profile = env.get("ALIBABA_CLOUD_PROFILE") or "default"
    ecs_off = env.get("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "").lower() == "true"
    uri = env.get("ALIBABA_CLOUD_CREDENTIALS_URI", "")
    return [
        Source(
            "OIDC role",
            "set ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and "
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            ("oidc", role_arn, oidc_arn, token_file, env.get("ALIBABA_CLOUD_STS_REGION"),
             env.get("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED")),
            lambda: _oidc(role_arn, oidc_arn, token_file, env),
        ),
        cli,
        Source(
            f"credentials file profile {ini_profile!r}",
            "write it (ALIBABA_CLOUD_CREDENTIALS_FILE names another file)",
            ("ini", ini_profile, _file_key(ini_file)),
            lambda: _ini(ini_file, ini_profile, ini_named_by),
        ),
        Source(
            "ECS RAM role",
            "run on an ECS instance with a RAM role (ALIBABA_CLOUD_ECS_METADATA names the "
            "role; ALIBABA_CLOUD_ECS_METADATA_DISABLED=true skips it)",
            ("ecs", ecs_off, env.get("ALIBABA_CLOUD_ECS_METADATA"),
             env.get("ALIBABA_CLOUD_IMDSV1_DISABLED")),
            lambda: _ecs(ecs_off, env),
            3.0,  # up to three exchanges with the library's 1 s read timeout each
        ),
        Source(
            "credentials URI",
            "set ALIBABA_CLOUD_CREDENTIALS_URI",
            ("uri", uri),
            lambda: _uri(uri),
        ),
    ]


def _cli_profile(path: str, profile: str | None, env: Mapping[str, str]) -> Any:
    if env.get("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "").lower() == "true":
        raise SourceNotSet("disabled by ALIBABA_CLOUD_CLI_PROFILE_DISABLED")
    _check_file(path, "the aliyun CLI configuration")
    from alibabacloud_credentials.provider import CLIProfileCredentialsProvider

    return CLIProfileCredentialsProvider(profile_name=profile, profile_file=path)


def _oidc(role_arn: str, oidc_arn: str, token_file: str, env: Mapping[str, str]) -> Any:
    if not (role_arn and oidc_arn and token_file):
        raise SourceNotSet("not set")
    from alibabacloud_credentials.provider import OIDCRoleArnCredentialsProvider

    return OIDCRoleArnCredentialsProvider(
        role_arn=role_arn, oidc_provider_arn=oidc_arn, oidc_token_file_path=token_file,
        role_session_name=env.get("ALIBABA_CLOUD_ROLE_SESSION_NAME") or None,
        sts_region_id=env.get("ALIBABA_CLOUD_STS_REGION") or None,
        enable_vpc=env.get("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "").lower() in _TRUE,
    )


def _ini(path: str, profile: str, named_by: str) -> Any:
    _check_file(path, named_by)
    from alibabacloud_credentials.provider import ProfileCredentialsProvider

    return ProfileCredentialsProvider(profile_file=path, profile_name=profile)


def _ecs(disabled: bool, env: Mapping[str, str]) -> Any:
    if disabled:
        raise SourceNotSet("disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED")
    from alibabacloud_credentials.provider import EcsRamRoleCredentialsProvider

    try:
        return EcsRamRoleCredentialsProvider(
            role_name=env.get("ALIBABA_CLOUD_ECS_METADATA") or None,
            disable_imds_v1=env.get("ALIBABA_CLOUD_IMDSV1_DISABLED", "").lower() in _TRUE,
        )
    except ValueError:  # the library saw the variable set when it was imported
        raise SourceNotSet("disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED") from None


def _uri(uri: str) -> Any:
    if not uri:
        raise SourceNotSet("not set")
    from alibabacloud_credentials.provider import URLCredentialsProvider

    return URLCredentialsProvider(uri=uri)


def _within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()`` on a daemon thread, waited for ``seconds`` at most (then
    ``TimeoutError``; the thread is left to end by itself), in short waits so that a
    main thread still handles Ctrl-C at once."""
    done: Future[Any] = Future()

    def run() -> None:
        try:
            done.set_result(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiter
            done.set_exception(exc)

    threading.Thread(target=run, name="aliread-credentials", daemon=True).start()
    end = time.monotonic() + seconds
    while not done.done():
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        wait([done], timeout=min(left, 0.1))
    return done.result()


class Chain:
    """Asks sources in order; keeps each source's built provider while its key stays
    the same."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._providers: dict[str, tuple[tuple[Any, ...], Any]] = {}  # name: (key, it)

    def credentials(self, sources: Sequence[Source], *, intro: str,
                    deadline_at: float | None = None) -> tuple[str, str, str | None, str]:
        """The first source's credentials, as (AccessKey id, secret, STS token or None,
        the source's name); else ``NoCredentialsError`` naming every source tried
        (``intro`` starts its message).

        Each source is asked on a daemon thread and waited for until ``deadline_at``
        (``time.monotonic()`` seconds; None: none) or its own bound
        (``Source.bound``), whichever is sooner: the library's HTTP (``requests``) bounds
        each ``recv``, never a whole answer, so a dripping source is left behind.
        """
        import alibabacloud_credentials.provider  # noqa: F401 - adds its log handlers

        quiet_library_logging()
        tried: list[str] = []
        for source in sources:
            try:
                provider = self._provider(source)
            except SourceUnusable as reason:
                tried.append(f"{source.name}: {reason}")
                continue
            except SourceNotSet as reason:
                tried.append(f"{source.name}: {reason} (to use it, {source.setup})")
                continue
            bound, why = source.bound, ""
            if deadline_at is not None and deadline_at - time.monotonic() < bound:
                bound, why = max(0.0, deadline_at - time.monotonic()), " (the read's deadline)"
            try:
                found = _within(bound, provider.get_credentials)
                key_id = found.get_access_key_id()
                secret = found.get_access_key_secret()
                token = found.get_security_token() or None
            except TimeoutError:
                tried.append(f"{source.name}: set up, but its answer did not arrive whole "
                             f"within {bound:.3g} s{why} (check it: {source.setup})")
                continue
            except Exception:  # noqa: BLE001 - its words may hold what it was answered
                tried.append(
                    f"{source.name}: set up, but it gave no usable credentials (its answer "
                    f"is not shown: it may hold secrets; check it: {source.setup})")
                continue
            if not (isinstance(key_id, str) and key_id and isinstance(secret, str) and secret):
                redaction.register(secret if isinstance(secret, str) else None,
                                   token if isinstance(token, str) else None)
                tried.append(f"{source.name}: set up, but its answer had no AccessKey pair "
                             f"(check it: {source.setup})")
                continue
            return key_id, secret, token if isinstance(token, str) else None, source.name
        raise NoCredentialsError(f"{intro} Tried: " + "; ".join(tried) + ".")

    def _provider(self, source: Source) -> Any:
        with self._lock:
            key, provider = self._providers.get(source.name, (None, None))
        if key != source.key:  # first asked, or its settings or file changed
            provider = source.build()
            with self._lock:
                self._providers[source.name] = (source.key, provider)
        return provider


class _Withheld(logging.Filter):
    """Replaces each record of alibabacloud-credentials by a line that says nothing of
    what a source answered: its messages quote bodies (secrets included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = ("alibabacloud-credentials logged a record at level %s (its text is "
                      "withheld by pulumi-aliread: it may hold credentials)")
        record.args = (record.levelname,)
        record.exc_info = record.exc_text = record.stack_info = None
        return True


_WITHHELD = _Withheld()
_NULL = logging.NullHandler()


def quiet_library_logging() -> None:
    """Detach the stderr handlers alibabacloud-credentials adds to its ``credentials``
    logger, withhold its records' text, and give it a NullHandler so that Python's
    last-resort handler never prints them either (records still reach the
    application's own handlers, withheld)."""
    for name in ("credentials", "alibabacloud-tea"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if type(handler) is logging.StreamHandler:
                logger.removeHandler(handler)
        if _WITHHELD not in logger.filters:
            logger.addFilter(_WITHHELD)
        if _NULL not in logger.handlers:
            logger.addHandler(_NULL)
