"""Start and stop the processes a benchmark measures: gunicorn and `lokdon worker`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    app_spec: str, port: int, env: Mapping[str, str], log_path: Path, workers: int = 2
) -> subprocess.Popen[bytes]:
    """Start gunicorn on 127.0.0.1:port and wait until /healthz returns 200."""
    command = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--log-level",
        "warning",
        app_spec,
    ]
    log = log_path.open("wb")
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for_http(f"http://127.0.0.1:{port}/healthz", process, log_path)
    return process


def start_worker(env: Mapping[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    return subprocess.Popen(
        [str(BIN / "lokdon"), "worker"],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for_http(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early; see {log_path}")

        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass

        time.sleep(0.1)

    raise RuntimeError(f"{url} did not respond within 30 s; see {log_path}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process we started: SIGTERM, then SIGKILL after 20 s."""
    if process.poll() is not None:
        return

    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
