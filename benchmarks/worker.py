"""Worker wall time per recording against a raw Vosk decode of the same audio."""

from __future__ import annotations

import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import vosk
from redis import Redis
from rq.job import Job, JobStatus

from benchmarks.servers import REPO, start_worker, stop
from lokdon import create_app
from lokdon.migrate import upgrade_database
from speech import LoadedModel, decode_audio, load_model
from twilio_sim.cloud import TwilioCloud

DATA_DIR = REPO / "tests" / "data"
FILES = ["ktp.wav", "kk.wav", "akta_mulaw.wav", "pindah.mp3", "voice_note.ogg"]
# Transcribed first and left out of the table: the first job of a fresh worker.
WARMUP_FILE = "kk.wav"
REPEATS = 3
ACCOUNT_SID = "AC" + "c" * 32
AUTH_TOKEN = "benchmark-auth-token"
REDIS_URL = "redis://127.0.0.1:6379/12"
CHUNK_SECONDS = 0.5


def raw_decode(model: vosk.Model, sample_rate: int, path: Path) -> tuple[float, float]:
    """Return (seconds, audio seconds) of PyAV decoding plus a bare KaldiRecognizer
    pass.
    """
    started = time.perf_counter()
    audio = decode_audio(path, sample_rate)
    recognizer = vosk.KaldiRecognizer(model, sample_rate)
    recognizer.SetWords(True)
    chunk = int(sample_rate * CHUNK_SECONDS) * 2
    for offset in range(0, len(audio.pcm), chunk):
        recognizer.AcceptWaveform(audio.pcm[offset : offset + chunk])

    recognizer.FinalResult()
    return time.perf_counter() - started, audio.duration_seconds


def measure_raw(
    loaded: LoadedModel, runs: dict[str, list[tuple[float, float]]]
) -> None:
    for name in FILES:
        for _ in range(REPEATS):
            runs[name].append(
                raw_decode(loaded.model, loaded.sample_rate, DATA_DIR / name)
            )


def worker_env(workdir: Path, database_url: str, cloud: TwilioCloud) -> dict[str, str]:
    return {
        "LOKDON_ENV": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "RECORDINGS_DIR": str(workdir / "recordings"),
        "TWILIO_API_BASE_URL": cloud.base_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": "",
        "LOG_LEVEL": "INFO",
    }


def submit_recordings(env: dict[str, str], cloud: TwilioCloud) -> dict[str, str | None]:
    """Walk one call per recording through the webhooks; return RecordingSid -> file.

    A warm-up recording goes first, then the files in turns, so the cost of a fresh
    work horse does not fall on the repeats of one file. The warm-up maps to None.
    """
    from tests.webhooks import call_params, twilio_post

    app = create_app(env)
    submitted: dict[str, str | None] = {}
    with app.app_context():
        client = app.test_client()
        for index, name in enumerate([WARMUP_FILE] + FILES * REPEATS):
            call_sid, recording_sid = "CA" + uuid.uuid4().hex, "RE" + uuid.uuid4().hex
            cloud.register_recording(recording_sid, (DATA_DIR / name).read_bytes())
            recording = {
                "RecordingSid": recording_sid,
                "RecordingUrl": cloud.recording_url(recording_sid),
                "RecordingStatus": "completed",
                "RecordingDuration": "6",
            }
            twilio_post(client, "/ivr/voice", call_params(call_sid))
            twilio_post(client, "/ivr/menu/choice", call_params(call_sid, Digits="1"))
            twilio_post(client, "/ivr/recorded", call_params(call_sid, **recording))
            twilio_post(
                client, "/ivr/recording-status", call_params(call_sid, **recording)
            )
            submitted[recording_sid] = name if index > 0 else None

    return submitted


def jobs_done(redis: Redis, recording_sids: list[str]) -> bool:
    # Polls Redis, not the database, so the benchmark takes no SQLite lock the worker
    # would wait for.
    job_ids = [f"transcribe-{sid}" for sid in recording_sids]
    jobs = Job.fetch_many(job_ids, connection=redis)
    finished = {JobStatus.FINISHED, JobStatus.FAILED}
    return all(job is not None and job.get_status() in finished for job in jobs)


def watch_worker(
    process: psutil.Process, redis: Redis, recording_sids: list[str], timeout: float
) -> int:
    """Wait until every transcription job ended; return the peak RSS in bytes of any
    worker process.
    """
    peak = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for member in [process, *process.children(recursive=True)]:
            try:
                peak = max(peak, member.memory_info().rss)
            except psutil.NoSuchProcess:
                continue

        if jobs_done(redis, recording_sids):
            return peak

        time.sleep(0.25)

    raise TimeoutError(f"recordings still open after {timeout} s")


def bench_worker(workdir: Path, database_url: str) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    upgrade_database(database_url)
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    loaded = load_model(None)
    # Raw decodes run before and after the worker, so drift in the machine's speed
    # during the run affects both sides alike.
    raw_runs: dict[str, list[tuple[float, float]]] = {name: [] for name in FILES}
    measure_raw(loaded, raw_runs)

    with TwilioCloud("http://127.0.0.1:0", ACCOUNT_SID, AUTH_TOKEN) as cloud:
        env = worker_env(workdir, database_url, cloud)
        submitted = submit_recordings(env, cloud)
        log_path = workdir / "worker.log"
        worker = start_worker(env, log_path)
        try:
            peak_rss = watch_worker(
                psutil.Process(worker.pid), redis, list(submitted), timeout=600
            )
        finally:
            stop(worker)

    measure_raw(loaded, raw_runs)

    def wall_seconds(recording_sid: str) -> float:
        job = Job.fetch(f"transcribe-{recording_sid}", connection=redis)
        return (job.ended_at - job.started_at).total_seconds()

    warmup_sid = next(sid for sid, name in submitted.items() if name is None)
    rows = []
    for name in FILES:
        walls = []
        for recording_sid, file_name in submitted.items():
            if file_name != name:
                continue

            walls.append(wall_seconds(recording_sid))

        raw_seconds = statistics.median(seconds for seconds, _ in raw_runs[name])
        audio_seconds = raw_runs[name][0][1]
        wall = statistics.median(walls)
        rows.append(
            {
                "file": name,
                "audio_seconds": audio_seconds,
                "raw_seconds": raw_seconds,
                "worker_seconds": wall,
                "ratio": wall / raw_seconds,
                "real_time_factor": wall / audio_seconds,
            }
        )

    log = log_path.read_text(errors="replace")
    result = {
        "rows": rows,
        "peak_rss_mib": peak_rss / 2**20,
        "model_loads": log.count("speech model loaded"),
        "jobs": len(submitted) - 1,
        "warmup_file": WARMUP_FILE,
        "warmup_seconds": wall_seconds(warmup_sid),
    }
    redis.flushdb()
    return result
