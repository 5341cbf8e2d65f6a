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
from rq.job import Job
from sqlalchemy import func, select

from benchmarks.servers import REPO, start_worker, stop
from lokdon import create_app
from lokdon.migrate import upgrade_database
from models import Recording, RecordingStatus, db
from speech import decode_audio, load_model
from twilio_sim.cloud import TwilioCloud

DATA_DIR = REPO / "tests" / "data"
FILES = ["ktp.wav", "kk.wav", "akta_mulaw.wav", "pindah.mp3", "voice_note.ogg"]
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


def submit_recordings(env: dict[str, str], cloud: TwilioCloud) -> dict[str, str]:
    """Walk one call per recording through the webhooks; return RecordingSid -> file
    name.
    """
    from tests.webhooks import call_params, twilio_post

    app = create_app(env)
    submitted = {}
    with app.app_context():
        client = app.test_client()
        for name in FILES:
            for _ in range(REPEATS):
                call_sid, recording_sid = (
                    "CA" + uuid.uuid4().hex,
                    "RE" + uuid.uuid4().hex,
                )
                cloud.register_recording(recording_sid, (DATA_DIR / name).read_bytes())
                recording = {
                    "RecordingSid": recording_sid,
                    "RecordingUrl": cloud.recording_url(recording_sid),
                    "RecordingStatus": "completed",
                    "RecordingDuration": "6",
                }
                twilio_post(client, "/ivr/voice", call_params(call_sid))
                twilio_post(
                    client, "/ivr/menu/choice", call_params(call_sid, Digits="1")
                )
                twilio_post(client, "/ivr/recorded", call_params(call_sid, **recording))
                twilio_post(
                    client, "/ivr/recording-status", call_params(call_sid, **recording)
                )
                submitted[recording_sid] = name

    return submitted


def open_recordings() -> int:
    with db.session_scope() as session:
        return session.scalar(
            select(func.count())
            .select_from(Recording)
            .where(Recording.status.in_(RecordingStatus.open_values()))
        )


def watch_worker(process: psutil.Process, timeout: float) -> int:
    """Wait until no recording is open; return the peak RSS in bytes of any worker
    process.
    """
    peak = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for member in [process, *process.children(recursive=True)]:
            try:
                peak = max(peak, member.memory_info().rss)
            except psutil.NoSuchProcess:
                continue

        if open_recordings() == 0:
            return peak

        time.sleep(0.05)

    raise TimeoutError(f"recordings still open after {timeout} s")


def bench_worker(workdir: Path, database_url: str) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    upgrade_database(database_url)
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    loaded = load_model(None)
    raw = {}
    for name in FILES:
        runs = [
            raw_decode(loaded.model, loaded.sample_rate, DATA_DIR / name)
            for _ in range(REPEATS)
        ]
        raw[name] = (statistics.median(seconds for seconds, _ in runs), runs[0][1])

    with TwilioCloud("http://127.0.0.1:0", ACCOUNT_SID, AUTH_TOKEN) as cloud:
        env = worker_env(workdir, database_url, cloud)
        submitted = submit_recordings(env, cloud)
        log_path = workdir / "worker.log"
        worker = start_worker(env, log_path)
        try:
            peak_rss = watch_worker(psutil.Process(worker.pid), timeout=600)
        finally:
            stop(worker)

    rows = []
    for name in FILES:
        walls = []
        for recording_sid, file_name in submitted.items():
            if file_name != name:
                continue

            job = Job.fetch(f"transcribe-{recording_sid}", connection=redis)
            walls.append((job.ended_at - job.started_at).total_seconds())

        raw_seconds, audio_seconds = raw[name]
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
    redis.flushdb()
    return {
        "rows": rows,
        "peak_rss_mib": peak_rss / 2**20,
        "model_loads": log.count("speech model loaded"),
        "jobs": len(submitted),
    }
