"""Where region, endpoint and credentials come from; first match wins.

1. the call's own keyword (``region``, ``endpoint``);
2. Pulumi config: ``aliread:*``, then pulumi-alicloud's ``alicloud:*`` keys;
3. environment variables (``ALIREAD_*``, ``ALIBABA_CLOUD_*``, the older ``ALICLOUD_*``);
4. the Alibaba Cloud default credential chain (CLI profile, ECS RAM role, OIDC role).
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from ..errors import InvalidInputError
from . import redaction
from .options import ReadOptions

if TYPE_CHECKING:
    from .apis import ApiSpec
    from .credential_chain import Chain
    from .spec import Operation

_REGION = re.compile(r"[a-z0-9]+(-[a-z0-9]+)+", re.ASCII)
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:\d{1,5})?", re.ASCII)
_BRACKETED_HOST = re.compile(r"\[[0-9A-Fa-f:.]+\](:\d{1,5})?", re.ASCII)


REGION_CONFIG = ("aliread:region", "alicloud:region")
REGION_ENV = ("ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION")
CREDENTIAL_CONFIG = (
    "alicloud:accessKey", "alicloud:secretKey", "alicloud:securityToken", "alicloud:profile",
)
ACCESS_KEY_ENV = (
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
     "ALIBABA_CLOUD_SECURITY_TOKEN"),
    ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN"),
)
INSECURE_HTTP_CONFIG = "aliread:allowInsecureHttp"
INSECURE_HTTP_ENV = "ALIREAD_ALLOW_INSECURE_HTTP"
# The PEM file that verifies https endpoints, first set wins; else certifi's bundle.
CA_BUNDLE_ENV = ("ALIBABA_CLOUD_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
# Read by the default credential chain (alibabacloud-credentials), after ACCESS_KEY_ENV.
CHAIN_ENV = ("ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE")


def config_keys(apis: Iterable[ApiSpec]) -> tuple[str, ...]:
    """Every Pulumi config key a read of one of ``apis`` may consult."""
    endpoints = sorted({f"aliread:{api.endpoint_setting}" for api in apis})
    return (*REGION_CONFIG, *endpoints, INSECURE_HTTP_CONFIG, *CREDENTIAL_CONFIG)


def credential_env_names() -> tuple[str, ...]:
    """Every environment variable that decides which credentials are used."""
    return (*(name for names in ACCESS_KEY_ENV for name in names), *CHAIN_ENV)


class ConfigLookup(Protocol):
    """Namespaced Pulumi config: a dict, or the ``Config`` handed to ``configure()``."""

    def get(self, key: str, /) -> Any: ...


@dataclass(frozen=True, slots=True)
class Credentials:
    """An AccessKey pair and optional STS token. Never printed, logged or pickled."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    source: str = "explicit"
    renewable: bool = False  # from the default chain, which may hand out new ones

    def __post_init__(self) -> None:
        redaction.register(self.access_key_secret, self.security_token)
        redaction.register_public(self.access_key_id)

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("Credentials are never pickled: they would land in Pulumi state.")


@dataclass(frozen=True, slots=True)
class CallSettings:
    """Everything one read needs besides credentials: resolved and validated."""

    region: str
    base_url: str  # scheme://host[:port], no trailing slash
    api_version: str
    options: ReadOptions = ReadOptions()  # timeouts and retry knobs
    ca_bundle: str | None = None  # PEM file for https; None: certifi's bundle
    allow_insecure_http: bool = False  # http:// to a host that is not loopback

    def __post_init__(self) -> None:
        # A last guard for settings built by hand: resolve() refuses this with the source.
        if not self.allow_insecure_http:
            check_transport_security(self.base_url, "endpoint")


def config_value(key: str, config: ConfigLookup | None) -> str | None:
    """A namespaced Pulumi config value (``aliread:region``), or None.

    Inside the provider plugin, ``config`` is what ``configure()`` received; inside a
    program, Pulumi's runtime is asked, and only if the program already imported Pulumi.
    """
    if config is not None:
        value = config.get(key)
    elif "pulumi" in sys.modules:
        from pulumi.runtime import get_config

        value = get_config(key)
    else:
        value = None
    return value if isinstance(value, str) and value != "" else None


def _first_setting(
    config_keys: tuple[str, ...], env_names: tuple[str, ...], config: ConfigLookup | None,
    env: Mapping[str, str],
) -> tuple[str, str] | None:
    """(where it came from, value) of the first config key or variable that is set."""
    for key in config_keys:
        value = config_value(key, config)
        if value:
            return f"Pulumi config {key}", value
    for name in env_names:
        if env.get(name):
            return f"environment variable {name}", env[name]
    return None


def resolve(
    api: Operation,
    *,
    region: str | None = None,
    endpoint: str | None = None,
    api_version: str | None = None,
    config: ConfigLookup | None = None,
    env: Mapping[str, str] | None = None,
    options: ReadOptions | None = None,
    allow_insecure_http: bool | None = None,
    **tuning: Any,
) -> CallSettings:
    """Resolve and validate the settings of one call of ``api`` (no network).

    ``options``: the timeouts and retry knobs (default: ``ReadOptions()``); ``tuning``
    keywords (``connect_timeout=``... as in ``ReadOptions``; ``None`` means not given)
    override its fields.

    Raises ``InvalidInputError`` for a malformed value, an ``http://`` endpoint to a host
    that is not loopback unless ``allow_insecure_http`` (keyword, Pulumi config
    ``aliread:allowInsecureHttp`` or ``ALIREAD_ALLOW_INSECURE_HTTP``) is true, and a CA
    bundle (``CA_BUNDLE_ENV``) that is missing or unreadable.
    """
    env = os.environ if env is None else env
    if region is not None:
        region = check_region(region)
    else:
        found = _first_setting(REGION_CONFIG, REGION_ENV, config, env)
        region = check_region(found[1], source=found[0]) if found else None
    region = region or api.default_region
    endpoint_source = "endpoint"
    if endpoint is not None:
        base_url = parse_endpoint(endpoint)
    else:
        found = _first_setting(
            (f"aliread:{api.endpoint_setting}",), (api.endpoint_env,), config, env
        )
        endpoint_source = found[0] if found else "endpoint"
        base_url = (
            parse_endpoint(found[1], source=found[0]) if found
            else "https://" + api.endpoint_for(region)
        )
    insecure = allow_insecure_http
    if insecure is not None and not isinstance(insecure, bool):
        raise InvalidInputError(f"allow_insecure_http must be True or False, got {insecure!r}.")
    found = None if insecure is not None else _first_setting(
        (INSECURE_HTTP_CONFIG,), (INSECURE_HTTP_ENV,), config, env)
    if found is not None:
        word = found[1].strip().lower()
        if word not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise InvalidInputError(f"{found[0]} is {_safe(found[1])}: set it to true or false.")
        insecure = word in ("1", "true", "yes", "on")
    if not insecure:
        check_transport_security(base_url, endpoint_source)
    return CallSettings(
        region=region,
        base_url=base_url,
        api_version=api.validate_version(api_version),
        options=ReadOptions.of(**tuning) if options is None else options.merged(**tuning),
        ca_bundle=ca_bundle(env) if base_url.startswith("https://") else None,
        allow_insecure_http=bool(insecure),
    )


def check_transport_security(base_url: str, source: str = "endpoint") -> None:
    """Refuse ``http://`` to a host that is not loopback (no network).

    Signed requests carry the STS token (``SecurityToken``) in their query: over plain
    HTTP anyone on the path reads it.
    """
    parts = urlsplit(base_url)
    if parts.scheme != "http" or is_loopback(parts.hostname or ""):
        return
    raise InvalidInputError(
        f"{source} {base_url} is plain http:// to a host that is not loopback: the signed "
        "request (and the STS token, if any) would cross the network unencrypted, so "
        "nothing was sent. Use https://, or, if this network path is trusted (a private "
        "gateway), opt in explicitly: allow_insecure_http=True, Pulumi config "
        f"{INSECURE_HTTP_CONFIG}=true, {INSECURE_HTTP_ENV}=true or the CLI flag "
        "--allow-insecure-http."
    )


@functools.lru_cache(maxsize=256)
def is_loopback(host: str) -> bool:
    """True for localhost names and loopback addresses (127.0.0.0/8, ::1)."""
    host = host.lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def ca_bundle(env: Mapping[str, str] | None = None) -> str | None:
    """The CA bundle file https endpoints are verified with: the first of
    ``ALIBABA_CLOUD_CA_BUNDLE``, ``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE`` that is set,
    else None (certifi's bundle). Raises ``InvalidInputError`` naming the variable when
    the file is missing, unreadable or holds no PEM certificate."""
    env = os.environ if env is None else env
    named = [name for name in CA_BUNDLE_ENV if env.get(name)]
    if not named:
        return None
    name, path = named[0], env[named[0]]
    # What verifies https once this variable is unset: the next one set, else certifi.
    fallback = (f"the one {named[1]} names ({env[named[1]]!r})" if len(named) > 1
                else "the bundled ones (certifi)")
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise InvalidInputError(
            f"environment variable {name} names {path!r}, which cannot be read "
            f"({exc.strerror}): point it at a PEM file of CA certificates, or unset it to "
            f"use {fallback}."
        ) from None
    _load_ca_bundle(name, path, stat.st_mtime_ns, stat.st_size, fallback)
    return path


def ca_bundle_source(path: str | None, env: Mapping[str, str] | None = None) -> str:
    """How messages name the CA bundle ``path`` (None: certifi's): the file and the
    variable that set it."""
    env = os.environ if env is None else env
    if path is None:
        return ("certifi's CA bundle (the default: none of " + ", ".join(CA_BUNDLE_ENV)
                + " is set)")
    named = [name for name in CA_BUNDLE_ENV if env.get(name)]
    if named and env[named[0]] == path:
        return f"the CA bundle {path} (named by {named[0]})"
    return f"the CA bundle {path}"


@functools.lru_cache(maxsize=16)
def _load_ca_bundle(name: str, path: str, _mtime: int, _size: int, fallback: str) -> None:
    import ssl

    try:
        ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or "no PEM certificate in it"
        raise InvalidInputError(
            f"environment variable {name} names {path!r}, which is not a readable PEM "
            f"bundle of CA certificates ({reason}): fix the file, or unset {name} to use "
            f"{fallback}."
        ) from None


def check_region(region: object, source: str = "region") -> str:
    """Return a well-formed region id such as ``cn-shanghai``, or raise InvalidInputError."""
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        shown = repr(region) if not isinstance(region, str) or len(region) < 40 else "(long)"
        raise InvalidInputError(
            f"{source} {shown} is not a region id: use one like 'cn-shanghai' or "
            "'ap-southeast-1'."
        )
    return region


def parse_endpoint(endpoint: object, source: str = "endpoint") -> str:
    """``host[:port]`` (https) or ``http(s)://host[:port]`` to a base URL, or raise.

    ``source`` names where the value came from, for the message (``endpoint``,
    ``Pulumi config aliread:linkwanEndpoint``, ``ALIREAD_LINKWAN_ENDPOINT``...).
    """
    advice = (
        "use a host such as 'resourcemanager.aliyuncs.com' or a URL such as "
        "'http://127.0.0.1:8080'."
    )
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise InvalidInputError(f"{source} must be a non-empty string: {advice}")
    text = endpoint.strip()
    if "@" in text:  # user:password@ (never echoed: the password may contain '/' or ':')
        raise InvalidInputError(
            f"{source} must not carry credentials (user:password@): set credentials "
            f"through alicloud:accessKey / ALIBABA_CLOUD_ACCESS_KEY_ID instead, and {advice}"
        )
    if "://" not in text:
        if not (_HOST.fullmatch(text) or _BRACKETED_HOST.fullmatch(text)):
            raise InvalidInputError(f"{source} {_safe(text)} is not a host name: {advice}")
        return "https://" + text
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InvalidInputError(f"{source} {_safe(text)} is not a valid URL: {advice}") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidInputError(f"{source} scheme {parts.scheme!r} is not supported: {advice}")
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidInputError(
            f"{source} {_safe(text)} must be scheme://host[:port] with no path or query: "
            f"{advice}"
        )
    return f"{parts.scheme}://{parts.netloc}"


def _safe(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def resolve_credentials(
    config: ConfigLookup | None = None, env: Mapping[str, str] | None = None,
    *, chain: Chain | None = None, deadline_at: float | None = None,
) -> Credentials:
    """Credentials from Pulumi config (keys, then ``alicloud:profile``), then the
    environment, then the default credential chain. Half of a pair is refused.

    ``env``: default ``os.environ``. ``chain``: the ``credential_chain.Chain`` whose
    providers (and their STS caches) are kept between calls, as a ``client.Client``
    keeps its own; default a new one for this call. ``deadline_at``
    (``time.monotonic()`` seconds; None: none): no source of the chain is waited for
    past it.

    Raises:
        InvalidInputError: half of an AccessKey pair is set.
        NoCredentialsError: no source has credentials.
    """
    found = explicit_credentials(config, env)
    if found is not None:
        return found
    # Imported only here: most users configure keys explicitly.
    from .credential_chain import Chain, default_sources

    # The message names only the places this caller read: no Pulumi config when there is
    # none (the ``aliread`` command, plain Python outside a program).
    intro = _NO_CREDENTIALS if config is not None else _NO_CREDENTIALS_OUTSIDE_PULUMI
    key_id, secret, token, name = (chain or Chain()).credentials(
        default_sources(config_value("alicloud:profile", config)), intro=intro,
        deadline_at=deadline_at)
    return Credentials(key_id, secret, token, source=f"default credential chain ({name})",
                       renewable=True)


def explicit_credentials(config: ConfigLookup | None = None,
                         env: Mapping[str, str] | None = None) -> Credentials | None:
    """The AccessKey pair set in Pulumi config or the environment (no I/O), or None
    when the default chain decides (``alicloud:profile`` set, or no pair anywhere).

    Raises ``InvalidInputError`` when half of a pair is set.
    """
    env = os.environ if env is None else env
    places: list[tuple[str, tuple[str, ...], Callable[[str], str | None]]] = [
        ("Pulumi config", CREDENTIAL_CONFIG[:3], lambda key: config_value(key, config))]
    if not config_value("alicloud:profile", config):  # else that profile decides
        places += [("environment", names, env.get) for names in ACCESS_KEY_ENV]
    for where, (id_name, secret_name, token_name), get in places:
        key_id, secret = get(id_name), get(secret_name)
        if not (key_id or secret):
            continue
        if not (key_id and secret):
            present, missing = (id_name, secret_name) if key_id else (secret_name, id_name)
            raise InvalidInputError(
                f"{where} sets {present} but not {missing}: set both (an AccessKey id and "
                f"its secret), or neither to use the next source of credentials."
            )
        return Credentials(key_id, secret, get(token_name) or None, source=f"{where} {id_name}")
    return None


_NO_CREDENTIALS = (
    "No Alibaba Cloud credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET (with ALIBABA_CLOUD_SECURITY_TOKEN for STS keys), or "
    "`pulumi config set alicloud:accessKey ...` and `pulumi config set --secret "
    "alicloud:secretKey ...`, or set up one of the default chain's sources. Not set: "
    "Pulumi config alicloud:accessKey, environment ALIBABA_CLOUD_ACCESS_KEY_ID / "
    "ALICLOUD_ACCESS_KEY."
)
# Where no Pulumi config is read (config None): the environment and the default chain.
_NO_CREDENTIALS_OUTSIDE_PULUMI = (
    "No Alibaba Cloud credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET (with ALIBABA_CLOUD_SECURITY_TOKEN for STS keys) in "
    "the environment, or set up one of the default chain's sources. Not set: environment "
    "ALIBABA_CLOUD_ACCESS_KEY_ID / ALICLOUD_ACCESS_KEY."
)
