"""The caseworkers' referral file upload with junk: a field error or a queued file whose bad
referrals are reported, never a server error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

JUNK = [
    ("r.csv", b""),
    ("r.csv", b"\x00" * 1000),
    ("r.csv", b"\xff\xfe\xfa\xfb"),
    ("r.csv", "unhcr_case_number,given_name\nABC,Ana\n".encode("utf-16")),
    ("r.csv", b"a" * 300_000),
    ("r.csv", b"unhcr_case_number\n" + b"a" * 300_000),
    ("r.json", b"{"),
    ("r.json", b"[1, 2, 3]"),
    ("r.json", b'{"a": 1}'),
    ("r.json", b"[" * 100_000),
    ("r.json", b'[{"unhcr_case_number": "\\u0000"}]'),
    ("r.txt", b"hello"),
    ("r\x00.csv", b"x,y\n1,2\n"),
]


@pytest.mark.parametrize(("name", "content"), JUNK)
def test_junk_files_are_refused_or_reported_never_a_server_error(client, caseworker, name, content):
    client.raise_request_exception = False
    client.force_login(caseworker)
    page = client.post(
        reverse("partners:referral_files"), {"file": SimpleUploadedFile(name, content)}
    )
    assert page.status_code in (302, 400), page.status_code
