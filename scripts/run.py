"""`make run`: servers, schema, reference and demo data, then the web server, the Celery worker
and Celery beat together until Ctrl-C.

Each step is safe to repeat: a second `make run` reuses the embedded data in `.local/` and adds
nothing twice. Embedded servers that this run started are stopped when it ends; their data stays.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import services  # scripts/ is on sys.path: this file is run as a script

ROOT = services.ROOT
DEFAULT_ADDRESS = "127.0.0.1:8000"


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
        ("demo_data", ("--cases", cases)),
        ("demo_users", ()),
        # Health clearances and orientation attendance for the demo households (need the users).
        ("demo_clinic_records", ()),
        ("demo_orientation_records", ()),
        ("demo_movement_records", ()),
    ):
        if command_exists(name):
            manage(env, name, *args)
        else:
            services.say(f"skipped manage.py {name}: this version has no such command yet")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")


def announce_when_ready(address: str, stop: threading.Event) -> None:
    host, _, port = address.rpartition(":")
    host = "127.0.0.1" if host in ("0.0.0.0", "", "[::]") else host.strip("[]")  # noqa: S104
    deadline = time.monotonic() + 180
    while not stop.is_set() and time.monotonic() < deadline:
        if services.tcp_answers(host, int(port), timeout=0.5):
            base = f"http://{host}:{port}"
            print(
                "\n"
                "==> The case management system is running.\n"
                f"    Log in:     {base}/accounts/login/  (demo logins are printed above)\n"
                f"    Admin site: {base}/admin/\n"
                f"    API docs:   {base}/api/docs/\n"
                "    Press Ctrl-C to stop the web server, the worker and beat.\n",
                flush=True,
            )
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
        target=announce_when_ready, args=(env["RUN_ADDRESS"], stop), daemon=True
    )
    watcher.start()
    try:
        # Honcho handles SIGINT/SIGTERM: it stops every process (each in its own process group,
        # so the web server's autoreloader child goes too), killing any left after 5 seconds.
        manager.loop()
    finally:
        stop.set()
    return manager.returncode or 0


def main() -> int:
    os.chdir(ROOT)
    servers = services.choose(use_machine_servers=False)
    for line in servers.descriptions:
        services.say(line)
    env = {**os.environ, **servers.env}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("RUN_ADDRESS", DEFAULT_ADDRESS)
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    try:
        prepare(env)
        return serve(env)
    except subprocess.CalledProcessError as error:
        services.say(f"failed: {' '.join(map(str, error.cmd[1:]))} (exit {error.returncode})")
        return error.returncode or 1
    except KeyboardInterrupt:
        return 130
    finally:
        if servers.started:
            services.say("stopping the embedded " + " and ".join(servers.started))
            servers.stop_started()


if __name__ == "__main__":
    sys.exit(main())
