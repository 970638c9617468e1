"""Both generations of Alibaba Cloud's own Python SDKs, unchanged except for the endpoint
and the credentials, against the emulator over loopback HTTP:

- the classic SDK (``aliyunsdkcore.AcsClient`` with the ``aliyunsdkresourcemanager`` and
  ``aliyunsdklinkwan`` request classes): RPC signature v1, GET and POST form, STS;
- the Tea SDK (``alibabacloud_resourcemanager20200331``, and LinkWAN through
  ``alibabacloud_tea_openapi``'s generic ``call_api``): its default ACS3-HMAC-SHA256 and
  ``signature_algorithm='v2'``.

With the right secret, the values each SDK parses equal the API reference's example;
with a wrong one, the emulator answers ``SignatureDoesNotMatch`` and each SDK raises its
own error. The expected values are the tests' own copy of the reference pages' examples.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import seeds

from pulumi_aliread.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    SEED_HANDSHAKE_ID,
    SEED_ORDER_ID,
    STS_ACCESS_KEY_ID,
    STS_ACCESS_KEY_SECRET,
    STS_TOKEN,
    Emulator,
)

# The reference pages' JSON examples (the handshake with a full 16-character id).
SEED_HANDSHAKE = seeds.seed_handshake()
SEED_ORDER = seeds.seed_order()
WRONG_SECRET = "not-the-emulator-secret"


@pytest.fixture(scope="module")
def emu() -> Any:
    with Emulator() as running:
        yield running


def _host(emu: Emulator) -> str:
    return emu.url.removeprefix("http://")


def _last(emu: Emulator) -> Any:
    return emu.requests[-1]


# -- the classic SDK ---------------------------------------------------------------------


def _classic_client(secret: str, token: str | None = None,
                    key: str = DEFAULT_ACCESS_KEY_ID) -> Any:
    from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
    from aliyunsdkcore.client import AcsClient

    credential = (StsTokenCredential(key, secret, token) if token
                  else AccessKeyCredential(key, secret))
    return AcsClient(region_id="cn-hangzhou", credential=credential, auto_retry=False,
                     max_retry_time=0, timeout=10, connect_timeout=5)


def _classic_request(api: str, emu: Emulator, method: str) -> Any:
    if api == "handshake":
        from aliyunsdkresourcemanager.request.v20200331.GetHandshakeRequest import (
            GetHandshakeRequest,
        )

        request = GetHandshakeRequest()
        request.set_HandshakeId(SEED_HANDSHAKE_ID)
    else:
        from aliyunsdklinkwan.request.v20190301.GetJoinPermissionAuthOrderRequest import (
            GetJoinPermissionAuthOrderRequest,
        )

        request = GetJoinPermissionAuthOrderRequest()
        request.set_OrderId(SEED_ORDER_ID)
    request.set_endpoint(_host(emu))
    request.set_protocol_type("http")
    request.set_method(method)
    if method == "POST":  # a form body, as the SDK sends one
        request.add_body_params("ClientToken", "rehearsal")
    return request


def _expected(api: str) -> tuple[str, dict[str, Any]]:
    return ("Handshake", SEED_HANDSHAKE) if api == "handshake" else ("Data", SEED_ORDER)


@pytest.mark.parametrize("api", ["handshake", "auth-order"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("sts", [False, True], ids=["access-key", "sts"])
def test_classic_sdk_reads_the_seed_objects(emu: Emulator, api: str, method: str,
                                            sts: bool) -> None:
    client = (_classic_client(STS_ACCESS_KEY_SECRET, STS_TOKEN, STS_ACCESS_KEY_ID) if sts
              else _classic_client(DEFAULT_ACCESS_KEY_SECRET))

    body = json.loads(client.do_action_with_exception(_classic_request(api, emu, method)))

    key, seed = _expected(api)
    assert body[key] == seed
    record = _last(emu)
    assert (record.method, record.status) == (method, 200)
    if method == "POST":
        assert record.params["ClientToken"] == "rehearsal"
    if sts:
        assert record.params["SecurityToken"] == STS_TOKEN


@pytest.mark.parametrize("api", ["handshake", "auth-order"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_classic_sdk_with_a_wrong_secret_gets_its_own_server_exception(
    emu: Emulator, api: str, method: str
) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    client = _classic_client(WRONG_SECRET)
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(_classic_request(api, emu, method))

    # The SDK compares the server's string to sign with its own and, equal, renames
    # SignatureDoesNotMatch to InvalidAccessKeySecret (only the secret can differ).
    assert caught.value.get_error_code() == "InvalidAccessKeySecret"
    assert caught.value.get_http_status() == 400
    assert _last(emu).code == "SignatureDoesNotMatch"


def test_classic_sdk_with_a_wrong_sts_token(emu: Emulator) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    client = _classic_client(STS_ACCESS_KEY_SECRET, "CAISnotTheToken", STS_ACCESS_KEY_ID)
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(_classic_request("handshake", emu, "GET"))
    assert caught.value.get_error_code() == "InvalidSecurityToken.MismatchWithAccessKey"


# -- the Tea SDK -------------------------------------------------------------------------


def _tea_config(emu: Emulator, secret: str, algorithm: str | None, *,
                key: str = DEFAULT_ACCESS_KEY_ID, token: str | None = None) -> Any:
    from alibabacloud_tea_openapi import models as open_api_models

    config = open_api_models.Config(access_key_id=key, access_key_secret=secret,
                                    security_token=token, endpoint=_host(emu),
                                    protocol="http", read_timeout=10_000,
                                    connect_timeout=5_000)
    if algorithm is not None:
        config.signature_algorithm = algorithm
    return config


def _tea_handshake(config: Any) -> dict[str, Any]:
    from alibabacloud_resourcemanager20200331 import models
    from alibabacloud_resourcemanager20200331.client import Client

    response = Client(config).get_handshake(
        models.GetHandshakeRequest(handshake_id=SEED_HANDSHAKE_ID)
    )
    assert response.status_code == 200
    assert response.body.request_id
    assert response.body.handshake.status == "Pending"
    return response.body.handshake.to_map()


def _tea_auth_order(config: Any) -> dict[str, Any]:
    """LinkWAN through the generic call, as the Tea SDK's own generated clients do it."""
    from alibabacloud_tea_openapi import models as open_api_models
    from alibabacloud_tea_openapi.client import Client
    from darabonba.runtime import RuntimeOptions

    params = open_api_models.Params(
        action="GetJoinPermissionAuthOrder", version="2018-12-30", protocol="HTTPS",
        pathname="/", method="POST", auth_type="AK", style="RPC",
        req_body_type="formData", body_type="json",
    )
    request = open_api_models.OpenApiRequest(query={"OrderId": SEED_ORDER_ID})
    answer = Client(config).call_api(params, request, RuntimeOptions())
    assert answer["statusCode"] == 200
    assert answer["body"]["Success"] is True
    return answer["body"]["Data"]


TEA_READS = {"handshake": (_tea_handshake, SEED_HANDSHAKE),
             "auth-order": (_tea_auth_order, SEED_ORDER)}


@pytest.mark.parametrize("api", sorted(TEA_READS))
@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["acs3-default", "v2"])
def test_tea_sdk_reads_the_seed_objects(emu: Emulator, api: str,
                                        algorithm: str | None) -> None:
    read, seed = TEA_READS[api]

    assert read(_tea_config(emu, DEFAULT_ACCESS_KEY_SECRET, algorithm)) == seed

    record = _last(emu)
    assert record.status == 200
    if algorithm is None:  # ACS3: no Signature parameter, an ACS3 Authorization header
        assert "Signature" not in record.params
        headers = {k.lower(): v for k, v in record.headers.items()}
        assert headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=")
    else:
        assert record.params["SignatureVersion"] == "1.0"


@pytest.mark.parametrize("api", sorted(TEA_READS))
@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["acs3-default", "v2"])
def test_tea_sdk_with_a_wrong_secret_raises_its_client_exception(
    emu: Emulator, api: str, algorithm: str | None
) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    read, _ = TEA_READS[api]
    with pytest.raises(ClientException) as caught:
        read(_tea_config(emu, WRONG_SECRET, algorithm))

    assert caught.value.code == "SignatureDoesNotMatch"
    assert caught.value.status_code == 400
    assert _last(emu).code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["acs3-default", "v2"])
def test_tea_sdk_with_sts_credentials(emu: Emulator, algorithm: str | None) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    config = _tea_config(emu, STS_ACCESS_KEY_SECRET, algorithm, key=STS_ACCESS_KEY_ID,
                         token=STS_TOKEN)
    assert _tea_handshake(config) == SEED_HANDSHAKE

    config = _tea_config(emu, STS_ACCESS_KEY_SECRET, algorithm, key=STS_ACCESS_KEY_ID,
                         token="CAISnotTheToken")
    with pytest.raises(ClientException) as caught:
        _tea_handshake(config)
    assert caught.value.code == "InvalidSecurityToken.MismatchWithAccessKey"
