"""`make test`: lint, format, import layering (lint-imports), migrations and system checks, then
the whole pytest suite in two passes that must both pass: the browser tests (`-m browser`),
then all the others.

Servers: DATABASE_URL / REDIS_URL from the environment, else this machine's 127.0.0.1 PostgreSQL
when it answers, in databases named after this checkout, else an embedded one; and this
checkout's embedded Redis (scripts/services.py). Embedded servers it started are stopped again at
the end. Browser tests need Debian's
Chromium at /usr/bin/chromium: it is installed with apt-get when missing and we are root;
otherwise the browser tests are left out, with a message saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import services  # scripts/ is on sys.path: this file is run as a script

ROOT = services.ROOT
CHROMIUM = Path("/usr/bin/chromium")
PYTEST_NO_TESTS = 5


def step(
    title: str, args: list[str], env: dict[str, str], failed: list[str], no_tests_ok=False
) -> None:
    """Run one step; a failure is remembered and the next steps still run, so that one
    `make test` reports every problem at once."""
    services.say(title)
    result = subprocess.run(args, cwd=ROOT, env=env, check=False, stdin=subprocess.DEVNULL)
    if no_tests_ok and result.returncode == PYTEST_NO_TESTS:
        return
    if result.returncode != 0:
        services.say(f"FAILED: {title} (exit {result.returncode})")
        failed.append(title)


def ensure_chromium() -> str | None:
    """Make /usr/bin/chromium available; return why browser tests must be skipped, or None."""
    if CHROMIUM.exists():
        return None
    if not shutil.which("apt-get"):
        return "apt-get is not available on this machine to install Debian's chromium"
    if os.geteuid() != 0:
        return "installing Debian's chromium needs root (run: apt-get install chromium)"
    services.say("installing Debian's chromium for the browser tests (apt-get)")
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
    ):
        subprocess.run(args, check=True, env=apt_env, stdin=subprocess.DEVNULL)
    return None


PANGO_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0")


def ensure_pango() -> str | None:
    """Make Debian's pango available for WeasyPrint (the manifest PDF), installed with apt-get
    when missing and we are root, like chromium; return why it could not be, or None."""
    import ctypes.util

    if all(ctypes.util.find_library(name) for name in ("pango-1.0", "pangoft2-1.0")):
        return None
    if not shutil.which("apt-get"):
        return "apt-get is not available on this machine to install Debian's pango"
    if os.geteuid() != 0:
        return (
            "installing Debian's pango needs root (run: apt-get install "
            + " ".join(PANGO_PACKAGES)
            + ")"
        )
    services.say("installing Debian's pango for the PDF files (apt-get)")
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PANGO_PACKAGES],
    ):
        subprocess.run(args, check=True, env=apt_env, stdin=subprocess.DEVNULL)
    return None


def main() -> int:
    os.chdir(ROOT)
    python = sys.executable
    bin_dir = Path(python).parent
    servers = services.choose(use_machine_servers=True)
    for line in servers.descriptions:
        services.say(line)
    env = {**os.environ, **servers.env, "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py and pytest pick their own
    failed: list[str] = []
    try:
        step("ruff check", [str(bin_dir / "ruff"), "check", "."], env, failed)
        step("ruff format --check", [str(bin_dir / "ruff"), "format", "--check", "."], env, failed)
        # The layering of the apps (import-linter contracts in pyproject.toml).
        step("lint-imports", [str(bin_dir / "lint-imports")], env, failed)
        step(
            "makemigrations --check",
            [python, "manage.py", "makemigrations", "--check", "--dry-run"],
            env,
            failed,
        )
        step(
            "manage.py check",
            [python, "manage.py", "check", "--fail-level", "WARNING"],
            env,
            failed,
        )
        missing_pango = ensure_pango()
        if missing_pango:
            services.say(f"the PDF tests will fail: {missing_pango}")
        skip_browser = ensure_chromium()
        if skip_browser:
            services.say(f"browser tests SKIPPED: {skip_browser}")
        else:
            # A pass of its own: browser tests run against a live server in committed
            # transactions, and the database flush after each would wipe the reference data
            # that the other tests share.
            step(
                "pytest -m browser",
                [python, "-m", "pytest", "--create-db", "-m", "browser"],
                env,
                failed,
                no_tests_ok=True,
            )
        # Last: when all is well, its summary is the closing line.
        step(
            "pytest (all but browser tests)",
            [
                python,
                "-m",
                "pytest",
                # Fresh again: the browser pass flushed the data that migrations seed.
                "--create-db",
                "-m",
                "not browser",
                "--durations=10",
            ],
            env,
            failed,
        )
    except subprocess.CalledProcessError as error:
        services.say(f"FAILED: {' '.join(map(str, error.cmd))} (exit {error.returncode})")
        failed.append("installing chromium or pango")
    finally:
        servers.stop_started()  # quietly
    if failed:
        services.say("make test FAILED in: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
