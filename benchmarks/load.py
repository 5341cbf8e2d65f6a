"""A closed-loop HTTP load generator: N connections, each sending its next request at
once.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class PreparedRequest:
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


def run_load(
    port: int, requests: list[PreparedRequest], connections: int, seconds: float
) -> LoadResult:
    """Send requests round-robin over keep-alive connections for seconds, or until used
    up.

    Each prepared request is sent once, so every CallSid is new to the server.
    """
    lock = threading.Lock()
    cursor = iter(requests)
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    def next_request() -> PreparedRequest | None:
        with lock:
            return next(cursor, None)

    def connection_loop() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            request = next_request()
            if request is None:
                break

            started = time.perf_counter()
            try:
                connection.request("POST", request.path, request.body, request.headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1

        connection.close()

    threads = [threading.Thread(target=connection_loop) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()

    for thread in threads:
        thread.join()

    elapsed = time.perf_counter() - started
    return LoadResult(len(latencies), errors, elapsed, latencies)
