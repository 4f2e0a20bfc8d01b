"""The partner guide is executed (issue 15, item 8): every command and request of every `sh`
block of the README's "Partner guide" runs here, as written, against the demo data `make run`
loads (the demo accounts and organisations, demo households).

A small interpreter stands in for the shell: `NAME=value` sets a variable, `$NAME` and
`${NAME}` are replaced, `.venv/bin/python manage.py ...` runs the command, `curl ...` becomes
the same request to the test client (`$HOST` is any address: only the path is kept). What the
guide tells the reader to keep is kept: the `client_id: ...` lines a command prints become
`CLIENT_ID`..., a token answer's `access_token` becomes `TOKEN`. The comments after a request
are checked: `# HTTP/1.1 202 Accepted` is its status (otherwise any status below 400 will do),
`# Location: /x/42/` maps the guide's `/x/42/` to the real address for the requests after it
(so does `# {"id": 42, ...}` for `/42/`), and a `# {"key": ...}` answer must hold those keys.
Files a request sends (`-d @referral.json`, `-F file=@referrals.csv`) are the guide's fenced
blocks named so (```json referral.json).
Only `eval "$(... scripts/services.py env)"`, which points a shell at the servers of `make run`,
is not run: the test has its own database.
"""

import base64
import io
import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)
VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def guide_section() -> str:
    text = README.read_text()
    section = text[text.index("## Partner guide") :]
    following = re.search(r"^## ", section[3:], re.M)
    return section[: following.start() + 3] if following else section


def guide_blocks():
    """(sh blocks in order, {file name: content} of the named blocks)."""
    shells, files = [], {}
    for language, info, body in FENCE.findall(guide_section()):
        name = info.strip()
        if language == "sh":
            shells.append(body)
        elif name:
            files[name] = body
    return shells, files


def logical_lines(block: str) -> list[str]:
    return [line for line in block.replace("\\\n", " ").splitlines() if line.strip()]


class Guide:
    """The shell the reader has: variables, files, and the answers seen so far."""

    def __init__(self, files: dict[str, str], capture):
        self.env: dict[str, str] = {}
        self.files = files
        self.capture = capture
        self.addresses: dict[str, str] = {}  # the guide's /x/42/ -> the real one
        self.last = None
        self.ran: list[str] = []

    def expand(self, line: str) -> str:
        for written, real in self.addresses.items():
            line = line.replace(written, real)

        def value(match):
            name = match.group(1) or match.group(2)
            assert name in self.env, f"the guide uses ${name} before setting it: {line}"
            return self.env[name]

        return VARIABLE.sub(value, line)

    def run(self, line: str) -> None:
        stripped = line.strip()
        if stripped.startswith("#"):
            self.check(stripped[1:].strip())
            return
        if stripped.startswith("eval ") and "scripts/services.py env" in stripped:
            return  # points the reader's shell at `make run`'s servers; ours are the test's
        words = shlex.split(self.expand(stripped), comments=True)
        if not words:
            return
        self.ran.append(stripped)
        if re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]) and len(words) == 1:
            name, _sep, value = words[0].partition("=")
            self.env[name] = value
        elif words[:2] == [".venv/bin/python", "manage.py"]:
            self.manage(words[2:])
        elif words[0] == "curl":
            self.curl(words[1:])
        else:
            pytest.fail(f"the guide runs a command this test does not know: {stripped}")

    def manage(self, args: list[str]) -> None:
        out = io.StringIO()
        call_command(*args, stdout=out)
        for printed in out.getvalue().splitlines():
            if match := re.fullmatch(r"(\w+): (\S+)", printed.strip()):
                self.env[match.group(1).upper()] = match.group(2)
        self.last = None

    def curl(self, args: list[str]) -> None:
        headers, data, form, method, url = {}, [], {}, None, None
        words = iter(args)
        for word in words:
            if word in ("-s", "-S", "-i", "--silent", "--include", "-sS"):
                continue
            if word in ("-u", "--user"):
                token = base64.b64encode(next(words).encode()).decode()
                headers["Authorization"] = f"Basic {token}"
            elif word in ("-H", "--header"):
                name, _sep, value = next(words).partition(":")
                headers[name.strip()] = value.strip()
            elif word in ("-d", "--data"):
                value = next(words)
                if value.startswith("@"):
                    # curl -d @file sends the file without its line breaks.
                    value = self.files[value[1:]].replace("\r", "").replace("\n", "")
                data.append(value)
            elif word in ("-F", "--form"):
                name, _sep, value = next(words).partition("=")
                if value.startswith("@"):
                    content = self.files[value[1:]].encode()
                    value = SimpleUploadedFile(value[1:], content, "application/octet-stream")
                form[name] = value
            elif word in ("-X", "--request"):
                method = next(words)
            elif word.startswith("-"):
                pytest.fail(f"a curl option this test does not know: {word}")
            else:
                url = word
        assert url, args
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        client = Client()
        with self.capture(execute=True):
            if form:
                response = client.post(path, form, headers=headers)
            elif data:
                content_type = headers.pop("Content-Type", "application/x-www-form-urlencoded")
                response = client.generic(
                    method or "POST",
                    path,
                    "&".join(data).encode(),
                    content_type=content_type,
                    headers=headers,
                )
            else:
                response = client.generic(method or "GET", path, headers=headers)
        self.last = response
        self.status_checked = False
        if response.get("Content-Type", "").startswith("application/json"):
            body = response.json()
            if isinstance(body, dict) and "access_token" in body:
                self.env["TOKEN"] = body["access_token"]

    def check(self, comment: str) -> None:
        """A comment after a request: what the guide says it answers."""
        response = self.last
        if response is None:
            return
        if match := re.match(r"HTTP/[\d.]+ (\d{3})", comment):
            assert response.status_code == int(match.group(1)), (
                comment,
                response.status_code,
                response.content[:500],
            )
            self.status_checked = True
        elif match := re.match(r"Location: (\S+)", comment):
            assert response.has_header("Location"), comment
            self.addresses[match.group(1)] = response["Location"]
        elif comment.startswith("{"):
            body = response.json()
            for key in re.findall(r'"(\w+)":', comment):
                assert f'"{key}"' in json.dumps(body), (key, body)
            # `{"id": 7, ...}`: the guide's /7/ in later requests is the record made here.
            written = re.match(r'\{"id": (\d+)', comment)
            if written and isinstance(body, dict) and "id" in body:
                self.addresses[f"/{written.group(1)}/"] = f"/{body['id']}/"

    def finish_request(self) -> None:
        if self.last is not None and not self.status_checked:
            assert self.last.status_code < 400, (self.ran[-1], self.last.content[:500])


@pytest.fixture
def demo_data(db):
    """What `make run` loads (scripts/run.py): reference data (in the test database already),
    the demo accounts and organisations, demo households."""
    call_command("demo_users", "--force", stdout=io.StringIO())
    call_command("demo_data", "--cases", "20", "--force", stdout=io.StringIO())


def test_every_command_and_request_of_the_partner_guide_runs_as_written(
    demo_data, django_capture_on_commit_callbacks
):
    shells, files = guide_blocks()
    assert {"referral.json", "referrals.csv"} <= set(files)
    guide = Guide(files, django_capture_on_commit_callbacks)
    for block in shells:
        ran_before = len(guide.ran)
        for line in logical_lines(block):
            if not line.strip().startswith("#"):
                guide.finish_request()
                guide.last = None
            guide.run(line)
        guide.finish_request()
        guide.last = None
        assert len(guide.ran) > ran_before, f"a block of the guide ran nothing: {block}"
    # What the first-steps part of the guide does, done.
    from cases.models import Case
    from partners.models import IntakeBatch

    assert {"CLIENT_ID", "CLIENT_SECRET", "TOKEN", "HOST"} <= set(guide.env)
    assert (
        Case.objects.filter(unhcr_case_number__in=["RWA-26-000123", "RWA-26-000124"]).count() == 2
    )
    batch = IntakeBatch.objects.get()
    assert (batch.status, batch.created_rows, batch.error_rows) == ("done", 1, 1)
    assert batch.row_errors.get().line == 4


def test_the_demo_holds_the_organisations_the_guide_names(demo_data):
    from cases.models import PartnerOrganisation

    section = guide_section()
    for name in re.findall(r'--organisation "([^"]+)"', section):
        assert PartnerOrganisation.objects.filter(name=name, is_active=True).exists(), name
    assert set(PartnerOrganisation.objects.values_list("kind", flat=True)) == {
        "unhcr",
        "support_centre",
        "mission",
    }
