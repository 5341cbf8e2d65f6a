"""The hotline's RQ worker: loads the speech model once, then reconciles and works."""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue, Worker

from models import db
from queue_workers.reconcile import reconcile
from queue_workers.runtime import get_model
from speech import model_load_count

logger = logging.getLogger(__name__)

# Redis hash of worker name -> JSON with pid, model and load count, for the dashboard
# and the benchmarks.
WORKER_MODELS_KEY = "lokdon:worker-models"


class HotlineWorker(Worker):
    """An RQ worker whose periodic maintenance also runs the reconciler."""

    app: Flask

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        run_reconciler(self.app, self.connection)


def run_reconciler(app: Flask, redis: Redis) -> None:
    """Run one reconciler pass; errors are logged so that the worker keeps working."""
    try:
        with db.session_scope() as session:
            reconcile(session, redis, app.config)
    except Exception:
        logger.exception("reconciler pass failed")


def publish_model_state(redis: Redis, worker_name: str, state: dict[str, Any]) -> None:
    redis.hset(WORKER_MODELS_KEY, worker_name, json.dumps(state))


def run_worker(app: Flask, burst: bool = False, name: str | None = None) -> bool:
    """Load the model, reconcile once, then work the transcription and SMS queues."""
    config = app.config
    # No socket timeout here: RQ blocks on BLPOP for minutes while the queues are empty.
    redis = Redis.from_url(config["REDIS_URL"])
    name = name or f"lokdon-{socket.gethostname()}-{os.getpid()}"
    # Loading a large model takes minutes; the dashboard shows the worker meanwhile.
    publish_model_state(
        redis,
        name,
        {"pid": os.getpid(), "published_at": datetime.now(UTC).isoformat()},
    )
    try:
        model = get_model(config["VOSK_MODEL_PATH"])
    except BaseException:
        redis.hdel(WORKER_MODELS_KEY, name)
        raise

    # Messaging first: RQ takes jobs in queue order, and an SMS the caller was just
    # promised must not wait behind a transcription backlog.
    queues = [
        Queue(config["MESSAGING_QUEUE"], connection=redis),
        Queue(config["TRANSCRIPTION_QUEUE"], connection=redis),
    ]
    worker = HotlineWorker(
        queues,
        connection=redis,
        name=name,
        maintenance_interval=config["RECONCILE_INTERVAL"],
    )
    worker.app = app

    publish_model_state(
        redis,
        name,
        {
            "pid": os.getpid(),
            "published_at": datetime.now(UTC).isoformat(),
            "model": model.name,
            "model_path": str(model.path),
            "load_seconds": round(model.load_seconds, 3),
            "model_loads": model_load_count(),
        },
    )
    logger.info(
        "worker starting name=%s queues=%s", name, ",".join(q.name for q in queues)
    )
    run_reconciler(app, redis)
    try:
        return worker.work(
            burst=burst, with_scheduler=True, logging_level=config["LOG_LEVEL"]
        )
    finally:
        redis.hdel(WORKER_MODELS_KEY, name)
        logger.info("worker stopped name=%s", name)
