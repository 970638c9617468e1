"""Credentials: where they come from, that they sign, and that secrets never leak."""

from __future__ import annotations

import logging
import pickle

import pytest

import pulumi_aliread as aliread
from pulumi_aliread.core import settings
from pulumi_aliread.core.apis import HANDSHAKE
from pulumi_aliread.core.client import read
from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
)

WRONG_SECRET = "wrong-secret-do-not-print-7c1e"


def _leaks(text: str, *secrets: str) -> list[str]:
    from urllib.parse import quote

    return [s for s in secrets for form in (s, quote(s, safe="")) if form in text]


def test_wrong_secret_names_the_key_id_never_the_secret(emulator, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", WRONG_SECRET)

    with pytest.raises(aliread.AccessDeniedError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)

    error = caught.value
    assert error.code == "InvalidAccessKeySecret" and error.http_status == 400
    assert DEFAULT_ACCESS_KEY_ID in str(error)
    everything = " ".join([str(error), repr(error), repr(error.args), caplog.text])
    assert not _leaks(everything, WRONG_SECRET, DEFAULT_ACCESS_KEY_SECRET)
    assert emulator.count() == 1


def test_unknown_key_id_is_an_access_error(emulator, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-unknown")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", WRONG_SECRET)
    with pytest.raises(aliread.AccessDeniedError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert (caught.value.code, caught.value.http_status) == ("InvalidAccessKeyId.NotFound", 404)
    assert "LTAI-unknown" in str(caught.value)


def test_sts_token_is_sent_and_never_shown(emulator, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", STS_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", STS_ACCESS_KEY_SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", STS_TOKEN)

    result = aliread.get_join_permission_auth_order(SEED_ORDER_ID, endpoint=emulator.url)

    assert emulator.requests[-1].params["SecurityToken"] == STS_TOKEN
    assert not _leaks(repr(result) + caplog.text, STS_TOKEN, STS_ACCESS_KEY_SECRET)


def test_sts_key_without_token_says_to_set_it(emulator, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", STS_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", STS_ACCESS_KEY_SECRET)
    with pytest.raises(aliread.AccessDeniedError, match="STS token"):
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)


def test_expired_sts_token_is_a_clear_error(emulator, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", STS_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", STS_ACCESS_KEY_SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", STS_TOKEN)
    emulator.expire_token(STS_ACCESS_KEY_ID)
    with pytest.raises(aliread.AccessDeniedError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert caught.value.code == "InvalidSecurityToken.Expired"
    assert "has expired: fetch a new one" in str(caught.value)
    assert not _leaks(str(caught.value), STS_TOKEN, STS_ACCESS_KEY_SECRET)


def test_aliyun_env_pair_does_not_override_the_resolved_keys(emulator, credentials, monkeypatch):
    # aliyunsdkcore's signer factory prefers this pair over a credential object.
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_ID", "LTAI-other")
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", "other-secret")
    aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert emulator.requests[-1].params["AccessKeyId"] == DEFAULT_ACCESS_KEY_ID


def test_older_alicloud_variables_are_read(emulator, monkeypatch):
    monkeypatch.setenv("ALICLOUD_ACCESS_KEY", DEFAULT_ACCESS_KEY_ID)
    monkeypatch.setenv("ALICLOUD_SECRET_KEY", DEFAULT_ACCESS_KEY_SECRET)
    monkeypatch.setenv("ALICLOUD_REGION", "cn-beijing")
    aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert emulator.requests[-1].params["RegionId"] == "cn-beijing"


def test_pulumi_config_beats_environment(emulator, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-env")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", WRONG_SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "cn-beijing")
    config = {
        "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
        "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
        "alicloud:region": "cn-hongkong",
        "aliread:resourcemanagerEndpoint": emulator.url,
    }
    read(HANDSHAKE, SEED_HANDSHAKE_ID, config=config)
    sent = emulator.requests[-1].params
    assert (sent["AccessKeyId"], sent["RegionId"]) == (DEFAULT_ACCESS_KEY_ID, "cn-hongkong")


def test_keyword_beats_config(emulator, credentials):
    config = {"aliread:region": "cn-beijing", "alicloud:region": "cn-hongkong",
              "aliread:resourcemanagerEndpoint": "http://127.0.0.1:9"}
    read(HANDSHAKE, SEED_HANDSHAKE_ID, config=config, region="ap-southeast-1",
         endpoint=emulator.url)
    assert emulator.requests[-1].params["RegionId"] == "ap-southeast-1"


def test_aliread_region_beats_alicloud_region(emulator, credentials):
    config = {"aliread:region": "cn-beijing", "alicloud:region": "cn-hongkong"}
    read(HANDSHAKE, SEED_HANDSHAKE_ID, config=config, endpoint=emulator.url)
    assert emulator.requests[-1].params["RegionId"] == "cn-beijing"


def test_no_credentials_anywhere_is_a_clear_error(emulator):
    with pytest.raises(aliread.AccessDeniedError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in str(caught.value)
    assert emulator.count() == 0


def test_credentials_are_never_pickled_nor_shown():
    creds = settings.Credentials("LTAI-x", "secret-value-123", "token-value-456")
    assert "secret-value-123" not in repr(creds) and "token-value-456" not in repr(creds)
    with pytest.raises(TypeError):
        pickle.dumps(creds)


def test_debug_logs_of_the_http_layer_hide_signed_values(emulator, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", STS_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", STS_ACCESS_KEY_SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", STS_TOKEN)
    aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert "GetHandshake" in caplog.text
    assert not _leaks(caplog.text, STS_TOKEN, STS_ACCESS_KEY_SECRET)
    assert "Signature=" not in caplog.text or "Signature=***" in caplog.text


def test_configured_profile_beats_environment_keys(monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-env")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", WRONG_SECRET)
    # The profile does not exist in this test's empty HOME: the error proves it was asked.
    with pytest.raises(aliread.AccessDeniedError, match="aliyun CLI profile 'prod'"):
        settings.resolve_credentials({"alicloud:profile": "prod"})


@pytest.mark.parametrize(
    "config, env, missing",
    [
        ({"alicloud:accessKey": "LTAI-cfg"}, {}, "alicloud:secretKey"),
        ({"alicloud:secretKey": "s3cret-value"}, {}, "alicloud:accessKey"),
        ({}, {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-env"}, "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
        ({}, {"ALICLOUD_SECRET_KEY": "s3cret-value"}, "ALICLOUD_ACCESS_KEY"),
    ],
)
def test_half_a_key_pair_is_refused_rather_than_mixed(config, env, missing):
    full_env = {"ALICLOUD_ACCESS_KEY": "LTAI-other", "ALICLOUD_SECRET_KEY": "other"}
    full_env = env if "ALICLOUD_SECRET_KEY" in env else {**full_env, **env}
    with pytest.raises(aliread.InvalidInputError) as caught:
        settings.resolve_credentials(config, full_env)
    assert missing in str(caught.value) and "s3cret-value" not in str(caught.value)


def test_a_failed_default_chain_prints_nothing_and_says_why(emulator, capfd):
    with pytest.raises(aliread.AccessDeniedError) as caught:
        aliread.get_handshake(SEED_HANDSHAKE_ID, endpoint=emulator.url)
    assert caught.value.code == "NoCredentials" and "Tried: OIDC role: not set" in str(caught.value)
    assert capfd.readouterr().err == ""


def test_no_credentials_names_pulumi_config_only_where_it_was_read():
    with pytest.raises(aliread.NoCredentialsError) as program:
        settings.resolve_credentials({}, {})  # a Pulumi program's config: none set
    with pytest.raises(aliread.NoCredentialsError) as outside:
        settings.resolve_credentials(None, {})  # no Pulumi config read (the CLI)
    assert "pulumi config set alicloud:accessKey" in program.value.message
    assert "alicloud:" not in outside.value.message
    assert "pulumi config" not in outside.value.message.lower()
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in outside.value.message
