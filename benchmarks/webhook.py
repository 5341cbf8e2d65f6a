"""Voice webhook throughput and latency against a bare Flask endpoint, in one run."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from twilio.request_validator import RequestValidator

from benchmarks.load import LoadResult, PreparedRequest, run_load
from benchmarks.servers import free_port, start_gunicorn, stop
from lokdon.migrate import upgrade_database

ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "benchmark-auth-token"
CONNECTIONS = 16
ROUND_SECONDS = 8.0
ROUNDS = 2
WARMUP_REQUESTS = 200


def prepared_calls(port: int, count: int) -> list[PreparedRequest]:
    """Signed incoming-call webhooks, each with a new CallSid."""
    validator = RequestValidator(AUTH_TOKEN)
    url = f"http://127.0.0.1:{port}/ivr/voice"
    prepared = []
    for _ in range(count):
        params = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": "CA" + uuid.uuid4().hex,
            "From": "+6281200000001",
            "To": "+62761571000",
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": validator.compute_signature(url, params),
        }
        prepared.append(
            PreparedRequest("/ivr/voice", urlencode(params).encode(), headers)
        )

    return prepared


def app_env(workdir: Path, database_url: str, port: int) -> dict[str, str]:
    return {
        "LOKDON_ENV": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": "redis://127.0.0.1:6379/12",
        "RECORDINGS_DIR": str(workdir / "recordings"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "LOG_LEVEL": "INFO",
    }


def capture_twiml(port: int, workdir: Path) -> Path:
    """Request the real app once and keep its response as the bare endpoint's body."""
    request = prepared_calls(port, 1)[0]
    response = requests.post(
        f"http://127.0.0.1:{port}{request.path}",
        data=request.body,
        headers=request.headers,
        timeout=10,
    )
    response.raise_for_status()
    path = workdir / "welcome.xml"
    path.write_bytes(response.content)
    return path


def measure(port: int, label: str, results: dict[str, list[LoadResult]]) -> None:
    requests_needed = int(ROUND_SECONDS * 4000)
    run_load(port, prepared_calls(port, WARMUP_REQUESTS), CONNECTIONS, 30)
    result = run_load(
        port, prepared_calls(port, requests_needed), CONNECTIONS, ROUND_SECONDS
    )
    results.setdefault(label, []).append(result)


def merge(results: list[LoadResult]) -> LoadResult:
    latencies = [latency for result in results for latency in result.latencies]
    return LoadResult(
        requests=sum(r.requests for r in results),
        errors=sum(r.errors for r in results),
        seconds=sum(r.seconds for r in results),
        latencies=latencies,
    )


def bench_webhook(workdir: Path, database_url: str) -> dict[str, Any]:
    """Alternate rounds against the app and the bare endpoint; return both and the
    ratio.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    upgrade_database(database_url)
    app_port, bare_port = free_port(), free_port()
    app = start_gunicorn(
        "lokdon:create_app()",
        app_port,
        app_env(workdir, database_url, app_port),
        workdir / "web.log",
    )
    try:
        twiml_file = capture_twiml(app_port, workdir)
        bare = start_gunicorn(
            "benchmarks.bare_app:create_app()",
            bare_port,
            {"BARE_TWIML_FILE": str(twiml_file)},
            workdir / "bare.log",
        )
        try:
            results: dict[str, list[LoadResult]] = {}
            for _ in range(ROUNDS):
                measure(bare_port, "bare", results)
                measure(app_port, "app", results)
        finally:
            stop(bare)
    finally:
        stop(app)

    bare_total, app_total = merge(results["bare"]), merge(results["app"])
    return {
        "database": database_url.split(":", 1)[0],
        "bare": bare_total,
        "app": app_total,
        "ratio": app_total.throughput / bare_total.throughput,
    }
