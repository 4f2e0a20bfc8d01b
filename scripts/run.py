"""`make run`: servers, schema, reference and demo data, then the web server, the Celery worker
and Celery beat together until Ctrl-C.

The address: `make run ADDRESS=0.0.0.0:8080` (or `--address`, or RUN_ADDRESS in the environment;
a port alone means 127.0.0.1:PORT) is where the web server listens. The address people open, the
one printed and the one in every link the app sends (booking notices' acknowledgement links), is
PUBLIC_BASE_URL when it is set, else http://HOST:PORT of that address (this machine's name when
it listens on every interface). `run_settings` works both out; a test reads it.

Each step is safe to repeat: a second `make run` reuses the embedded data in `.local/` and adds
nothing twice. Embedded servers that this run started are stopped when it ends; their data stays.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import services  # scripts/ is on sys.path: this file is run as a script

ROOT = services.ROOT
DEFAULT_ADDRESS = "127.0.0.1:8000"
WILDCARD_HOSTS = ("0.0.0.0", "", "::", "[::]")  # noqa: S104 - recognised, not bound here
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
STOPPED_BY_CTRL_C, STOPPED_BY_TERM = 130, 143  # honcho's return codes for SIGINT and SIGTERM


def run_settings(address: str | None, environ: dict[str, str]) -> dict[str, str]:
    """The environment for the web server, the worker and beat from the address asked for:
    RUN_ADDRESS (where runserver listens), PUBLIC_BASE_URL (the address printed and put in every
    link the app sends) and DJANGO_ALLOWED_HOSTS (so the site answers at that address). Values
    already in `environ` win, except RUN_ADDRESS when an address is given."""
    address = (address or environ.get("RUN_ADDRESS") or DEFAULT_ADDRESS).strip()
    if address.isdigit():
        address = f"127.0.0.1:{address}"
    host, colon, port = address.rpartition(":")
    if not colon or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"not an address: {address!r} (expected HOST:PORT, e.g. 0.0.0.0:8080)")
    wildcard = host in WILDCARD_HOSTS
    public_host = machine_address() if wildcard else host
    public = environ.get("PUBLIC_BASE_URL") or f"http://{public_host}:{port}"
    allowed = list(LOCAL_HOSTS)
    for name in (host, public_host, urlsplit(public).hostname or ""):
        if name and name not in WILDCARD_HOSTS and name not in allowed:
            allowed.append(name)
    if wildcard:
        # Reached from other machines by name or by this machine's addresses.
        allowed += [h for h in _machine_names() if h not in allowed]
    return {
        "RUN_ADDRESS": f"{host}:{port}",
        "PUBLIC_BASE_URL": public.rstrip("/"),
        "DJANGO_ALLOWED_HOSTS": environ.get("DJANGO_ALLOWED_HOSTS") or ",".join(allowed),
    }


def machine_address() -> str:
    """How other machines reach this one: its network name when it has a real one, else the
    address of the interface its outgoing traffic leaves by (nothing is sent to find it)."""
    for name in (socket.getfqdn(), socket.gethostname()):
        if name and "." in name and not name.startswith("localhost"):
            return name
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
        address = probe.getsockname()[0]
        if not address.startswith("127."):
            return address
    return socket.gethostname() or "127.0.0.1"


def _machine_names() -> list[str]:
    names = {socket.gethostname(), socket.getfqdn()}
    with contextlib.suppress(OSError):
        names.update(socket.gethostbyname_ex(socket.gethostname())[2])
    return sorted(n for n in names if n)


def command_exists(name: str) -> bool:
    """Whether some app of ours ships `manage.py <name>` (the demo commands arrive separately)."""
    return any(ROOT.glob(f"*/management/commands/{name}.py"))


def manage(env: dict[str, str], *args: str) -> None:
    services.say("manage.py " + " ".join(args))
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
    )


def prepare(env: dict[str, str]) -> None:
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference_data")
    manage(env, "load_medical_protocols")
    manage(env, "load_orientation_curricula")
    cases = os.environ.get("DEMO_CASES", "300")
    for name, args in (
        # The accounts first: demo cases are assigned to the demo caseworker as they are written.
        ("demo_users", ()),
        ("demo_data", ("--cases", cases)),
        # Health clearances and orientation attendance for the demo households (need the users).
        ("demo_clinic_records", ()),
        ("demo_orientation_records", ()),
        ("demo_movement_records", ()),
        # Travel groups and booking notices for the demo bookings (after the bookings).
        ("demo_travel_groups", ()),
    ):
        if command_exists(name):
            manage(env, name, *args)
        else:
            services.say(f"skipped manage.py {name}: this version has no such command yet")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")


def ready_message(public_base_url: str) -> str:
    base = public_base_url.rstrip("/")
    return (
        "\n"
        "==> The case management system is running.\n"
        f"    Log in:     {base}/accounts/login/  (demo logins are printed above)\n"
        f"    Admin site: {base}/admin/\n"
        f"    API docs:   {base}/api/docs/\n"
        "    Press Ctrl-C to stop the web server, the worker and beat.\n"
    )


def announce_when_ready(address: str, public_base_url: str, stop: threading.Event) -> None:
    host, _, port = address.rpartition(":")
    # Probe where the server listens; announce where people open it.
    host = "127.0.0.1" if host in WILDCARD_HOSTS else host.strip("[]")
    deadline = time.monotonic() + 180
    while not stop.is_set() and time.monotonic() < deadline:
        if services.tcp_answers(host, int(port), timeout=0.5):
            print(ready_message(public_base_url), flush=True)
            return
        time.sleep(0.5)


def serve(env: dict[str, str]) -> int:
    from honcho.environ import parse_procfile
    from honcho.manager import Manager
    from honcho.printer import Printer

    procfile = parse_procfile((ROOT / "Procfile").read_text())
    manager = Manager(Printer(sys.stdout, colour=sys.stdout.isatty()))
    for name, command in procfile.processes.items():
        manager.add_process(name, command, env=env, cwd=str(ROOT))
    stop = threading.Event()
    watcher = threading.Thread(
        target=announce_when_ready,
        args=(env["RUN_ADDRESS"], env["PUBLIC_BASE_URL"], stop),
        daemon=True,
    )
    watcher.start()
    try:
        # Honcho handles SIGINT/SIGTERM: it stops every process (each in its own process group,
        # so the web server's autoreloader child goes too), killing any left after 5 seconds.
        manager.loop()
    finally:
        stop.set()
    # Ctrl-C (or a TERM) is how `make run` is meant to end: a clean exit, not an error.
    if manager.returncode in (STOPPED_BY_CTRL_C, STOPPED_BY_TERM):
        return 0
    return manager.returncode or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make run")
    parser.add_argument(
        "--address",
        default=os.environ.get("ADDRESS") or None,
        help="HOST:PORT (or PORT) for the web server; default RUN_ADDRESS or 127.0.0.1:8000",
    )
    args = parser.parse_args(argv)
    try:
        address_env = run_settings(args.address, dict(os.environ))
    except ValueError as error:
        services.say(str(error))
        return 2
    os.chdir(ROOT)
    servers = services.choose(use_machine_servers=False)
    for line in servers.descriptions:
        services.say(line)
    env = {**os.environ, **servers.env}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.update(address_env)
    services.say(f"serving on {env['RUN_ADDRESS']}; links and e-mails say {env['PUBLIC_BASE_URL']}")
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    try:
        from run_tests import ensure_pango  # scripts/ is on sys.path

        if missing := ensure_pango():
            services.say(f"manifest PDFs will not work: {missing}")
        prepare(env)
        return serve(env)
    except subprocess.CalledProcessError as error:
        services.say(f"failed: {' '.join(map(str, error.cmd[1:]))} (exit {error.returncode})")
        return error.returncode or 1
    except KeyboardInterrupt:
        services.say("stopped before the web server started")
        return 0
    finally:
        if servers.started:
            services.say("stopping the embedded " + " and ".join(servers.started))
            servers.stop_started()


if __name__ == "__main__":
    sys.exit(main())
