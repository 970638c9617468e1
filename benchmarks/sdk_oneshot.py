"""The one-shot script a CI step would otherwise run: ``python -m benchmarks.sdk_oneshot
URL ID`` reads one handshake with the classic SDK (aliyunsdkcore ``AcsClient`` and a
``CommonRequest``) and prints the answer's JSON. The baseline of benchmark 7b."""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import urlsplit

from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest


def main() -> int:
    url, handshake_id = urlsplit(sys.argv[1]), sys.argv[2]
    client = AcsClient(os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                       os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"], "cn-shanghai",
                       auto_retry=False)
    request = CommonRequest(domain=url.netloc, version="2020-03-31",
                            action_name="GetHandshake")
    request.set_method("GET")
    request.set_protocol_type(url.scheme)
    request.set_accept_format("JSON")
    request.add_query_param("HandshakeId", handshake_id)
    print(json.dumps(json.loads(client.do_action_with_exception(request)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
