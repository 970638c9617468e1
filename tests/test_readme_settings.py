"""README's settings table lists every environment variable the package reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"[\"'`]((?:ALIBABA_CLOUD|ALICLOUD|ALIREAD|SSL_CERT|REQUESTS_CA|HTTPS?_PROXY"
                  r"|NO_PROXY)[A-Z_]*)[\"'`]")


def test_every_variable_read_is_in_the_settings_table() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    table = text[text.index("## Settings"):text.index("## Errors")]
    names = set()
    for source in (ROOT / "pulumi_aliread").rglob("*.py"):
        if "testing" in source.parts:
            continue
        names.update(NAME.findall(source.read_text(encoding="utf-8")))
    assert {"ALIBABA_CLOUD_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
            "ALIREAD_ALLOW_INSECURE_HTTP", "ALIBABA_CLOUD_CREDENTIALS_URI"} <= names
    missing = sorted(name for name in names if f"`{name}`" not in table)
    assert missing == [], f"read but not in README's settings table: {missing}"
