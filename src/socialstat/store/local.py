"""A throwaway PostgreSQL server in a temporary folder: for the backend tests, the benchmarks, and trying the
PostgreSQL backend without a server (docs/how-to/run-on-postgresql.md).

The server runs from the machine's PostgreSQL binaries (`pg_config --bindir`, or /usr/lib/postgresql/N/bin, or
$PG_BINDIR), listens on 127.0.0.1 at a free port and a socket in the folder, admits one role, `socialstat`, with
a random password (in the URL it yields; messages show it as ***), and is stopped and deleted when the block
ends. initdb refuses to run as root, so as root the server runs as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from socialstat.errors import StoreError


def postgres_bindir() -> Path:
    """The folder with initdb and pg_ctl; StoreError when PostgreSQL is not installed."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(found.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file():
            return Path(folder)
    raise StoreError("no PostgreSQL server binaries found (initdb): install PostgreSQL or set PG_BINDIR")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def throwaway_postgres(database: str = "socialstat") -> Iterator[str]:
    """Start a PostgreSQL server in a temporary folder with an empty `database`; yield its store URL."""
    bindir = postgres_bindir()
    folder = Path(tempfile.mkdtemp(prefix="socialstat-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            raise StoreError("running as root, a throwaway PostgreSQL needs the 'postgres' user") from None
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    folder.chmod(0o700)
    data, port = folder / "data", _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
    # Not trust: any local user could connect as the superuser. A random password, given through a file and the
    # environment, never on a command line.
    password = secrets.token_urlsafe(24)
    pwfile = folder / "pw"
    pwfile.write_text(password)
    if run_as:
        os.chown(pwfile, user.pw_uid, user.pw_gid)
    env = {**os.environ, "PGPASSWORD": password}

    def run(*args: str) -> None:
        done = subprocess.run([*run_as, *args], capture_output=True, text=True, check=False, env=env)
        if done.returncode:
            raise StoreError(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    started = False
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-A", "scram-sha-256", "-U", "socialstat", "--pwfile",
            str(pwfile), "-E", "UTF8", "--no-locale")  # fmt: skip
        pwfile.unlink()
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start")
        started = True
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "socialstat", database)
        yield f"postgresql://socialstat:{password}@127.0.0.1:{port}/{database}"
    finally:
        try:
            if started:
                run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
