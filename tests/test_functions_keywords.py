"""The keyword surface of get_x / get_x_output: explicit keyword-only options, the same on
all four; an unknown keyword names the public function; ``opts`` accepted; functions.py
imports without Pulumi."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pulumi
import pytest

import pulumi_aliread as aliread
from pulumi_aliread.testing import SEED_HANDSHAKE_ID, SEED_ORDER_ID, Emulator, Fault

TUNING = ("connect_timeout", "read_timeout", "max_attempts", "deadline", "backoff_base",
          "backoff_cap", "allow_insecure_http")
HANDSHAKE_KEYWORDS = ("region", "endpoint", "expected_status", *TUNING,
                      "mismatch_means_accepted", "opts")
ORDER_KEYWORDS = ("region", "endpoint", "api_version", "expected_state", *TUNING, "opts")

FUNCTIONS = {
    "get_handshake": HANDSHAKE_KEYWORDS,
    "get_handshake_output": HANDSHAKE_KEYWORDS,
    "get_join_permission_auth_order": ORDER_KEYWORDS,
    "get_join_permission_auth_order_output": ORDER_KEYWORDS,
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_options_are_explicit_keyword_only_parameters(name: str) -> None:
    parameters = inspect.signature(getattr(aliread, name)).parameters
    kinds = {p.kind for p in parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds
    keyword_only = tuple(n for n, p in parameters.items()
                         if p.kind is inspect.Parameter.KEYWORD_ONLY)
    assert keyword_only == FUNCTIONS[name]
    assert all(parameters[n].default is None for n in keyword_only)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_an_unknown_keyword_names_the_public_function(name: str, emulator: Emulator) -> None:
    function = getattr(aliread, name)
    object_id = SEED_HANDSHAKE_ID if "handshake" in name else SEED_ORDER_ID

    with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument "
                                        r"'timeout'$"):
        function(object_id, endpoint=emulator.url, timeout=3)
    assert emulator.count() == 0


def test_api_version_is_only_for_linkwan() -> None:
    with pytest.raises(TypeError, match=r"get_handshake\(\) got an unexpected keyword "
                                        r"argument 'api_version'"):
        aliread.get_handshake(SEED_HANDSHAKE_ID, api_version="2020-03-31")


def test_backoff_and_timeouts_are_used(emulator: Emulator, credentials: tuple[str, str]) -> None:
    emulator.inject(Fault.http(503), times=1)

    result = aliread.get_handshake(
        SEED_HANDSHAKE_ID, endpoint=emulator.url, connect_timeout=2, read_timeout=2,
        max_attempts=2, deadline=10, backoff_base=0.01, backoff_cap=0.02,
    )
    order = aliread.get_join_permission_auth_order(
        SEED_ORDER_ID, endpoint=emulator.url, backoff_base=0.01, backoff_cap=0.02,
    )

    assert result.status == "Pending" and order.order_state == "ACCEPTED"
    assert emulator.count() == 3  # the 503, its retry, the order


@pytest.mark.parametrize("keyword", ["backoff_base", "backoff_cap"])
def test_bad_backoff_is_refused_before_any_request(keyword: str, emulator: Emulator) -> None:
    with pytest.raises(aliread.InvalidInputError, match=f"{keyword} must be a positive"):
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url, **{keyword: -1})
    assert emulator.count() == 0


def test_opts_are_accepted(emulator: Emulator, credentials: tuple[str, str]) -> None:
    result = aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url,
                                   opts=pulumi.InvokeOptions(version="1.0.0"))
    order = aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url,
                                                   opts=pulumi.InvokeOutputOptions())

    assert result.status == "Pending" and order.order_state == "ACCEPTED"


def test_opts_of_another_kind_are_refused(emulator: Emulator) -> None:
    with pytest.raises(TypeError, match=r"get_handshake\(\) opts must be a "
                                        r"pulumi.InvokeOptions or None, not ResourceOptions"):
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url,
                              opts=pulumi.ResourceOptions())
    assert emulator.count() == 0


def test_functions_and_the_package_import_without_pulumi() -> None:
    code = (
        "import sys, pulumi_aliread, pulumi_aliread.pulumi.functions as f\n"
        "assert 'pulumi' not in sys.modules, 'pulumi imported'\n"
        "assert f.get_handshake.__annotations__['opts'] == 'pulumi.InvokeOptions | None'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)

