"""The partner guide's examples work: its webhook check accepts our signed messages and
rejects tampered, foreign and replayed ones."""

import re
import time
from pathlib import Path

import pytest

from partners.models import new_webhook_secret
from partners.signing import signed_headers

README = Path(__file__).resolve().parents[2] / "README.md"


def guide_verify():
    text = README.read_text()
    section = text[text.index("## Partner guide") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    return namespace["verify_webhook"]


def test_the_guides_check_accepts_our_signature_and_rejects_the_rest():
    verify_webhook = guide_verify()
    secret = new_webhook_secret()
    body = b'{"type":"case.status_changed","data":{"case_id":7}}'
    headers = signed_headers(secret, "msg_7", body)
    verify_webhook(secret, headers, body)
    with pytest.raises(ValueError, match="signature"):
        verify_webhook(secret, headers, body.replace(b"7", b"8"))
    with pytest.raises(ValueError, match="signature"):
        verify_webhook(new_webhook_secret(), headers, body)
    old = signed_headers(secret, "msg_7", body, timestamp=int(time.time()) - 3600)
    with pytest.raises(ValueError, match="replayed"):
        verify_webhook(secret, old, body)


def test_the_guide_lists_every_scope_of_the_settings():
    from django.conf import settings

    section = README.read_text().split("## Partner guide", 1)[1]
    for scope in settings.OAUTH2_PROVIDER["SCOPES"]:
        if scope in ("medical:read",):
            continue
        assert f"`{scope}`" in section


def test_the_guide_lists_every_webhook_event():
    from partners.models import WebhookEvent

    section = README.read_text().split("### Webhooks", 1)[1].split("###", 1)[0]
    assert [e for e in WebhookEvent.values if f"`{e}`" not in section] == []
