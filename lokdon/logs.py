"""Logging set-up of the entry points: one format, with the RQ job id on every line."""

from __future__ import annotations

import logging
import sys

FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [%(process)d] job_id=%(job_id)s %(message)s"
)


class JobIdFilter(logging.Filter):
    """Stamp each record with the id of the RQ job being performed, or "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        from rq import get_current_job

        job = get_current_job()
        record.job_id = job.id if job is not None else "-"
        return True


def configure_logging(level: str = "INFO") -> None:
    """Send every logger's records to stderr in FORMAT; safe to call more than once."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "lokdon", False):
            return

    handler = logging.StreamHandler(sys.stderr)
    handler.lokdon = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(JobIdFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # twilio-python logs every request's headers at INFO; its errors still come through.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
