"""Download of recordings from Twilio with the account's credentials."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from queue_workers.exceptions import (
    RecordingCredentialsError,
    RecordingDownloadError,
    RecordingTooLargeError,
)

logger = logging.getLogger(__name__)

# Twilio may respond with 404 for a few seconds after the recording callback, until
# the file is stored. 5xx and 429 are transient too. 401 is not retried because the
# credentials are wrong.
RETRY_STATUSES = (404, 429, 500, 502, 503, 504)
CHUNK_BYTES = 64 * 1024


def download_session(attempts: int, backoff: float) -> requests.Session:
    """Return an HTTP session that retries RETRY_STATUSES with exponential back-off."""
    retry = Retry(
        total=attempts - 1,
        connect=attempts - 1,
        read=attempts - 1,
        status=attempts - 1,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def download_recording(
    url: str, destination: Path, config: dict[str, Any], recording_sid: str
) -> tuple[int, str]:
    """Fetch url into destination and return (bytes written, content type).

    Writes to a temporary name first so that a half-written file is never taken for the
    recording.
    """
    session = download_session(
        config["RECORDING_DOWNLOAD_ATTEMPTS"], config["RECORDING_DOWNLOAD_BACKOFF"]
    )
    auth = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
    try:
        response = session.get(
            url, auth=auth, stream=True, timeout=config["RECORDING_DOWNLOAD_TIMEOUT"]
        )
    except requests.RequestException as e:
        raise RecordingDownloadError(
            f"Download of recording {recording_sid} failed: {e}"
        ) from e

    with response:
        check_response(response, recording_sid)
        size = write_body(
            response, destination, config["RECORDING_MAX_BYTES"], recording_sid
        )

    content_type = response.headers.get("Content-Type", "")
    logger.info(
        "recording downloaded recording_sid=%s bytes=%s content_type=%s",
        recording_sid,
        size,
        content_type,
    )
    return size, content_type


def check_response(response: requests.Response, recording_sid: str) -> None:
    if response.status_code == 401:
        raise RecordingCredentialsError(
            f"Twilio rejected the credentials for recording {recording_sid} "
            "(HTTP 401); "
            "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, then retry the job."
        )

    if response.status_code != 200:
        raise RecordingDownloadError(
            f"Download of recording {recording_sid} failed with HTTP "
            f"{response.status_code} after retries."
        )


def write_body(
    response: requests.Response, destination: Path, max_bytes: int, recording_sid: str
) -> int:
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    size = 0
    try:
        with partial.open("wb") as file:
            for chunk in response.iter_content(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise RecordingTooLargeError(
                        f"Recording {recording_sid} exceeds RECORDING_MAX_BYTES "
                        f"({max_bytes} bytes); raise the setting to accept it."
                    )

                file.write(chunk)
    except requests.RequestException as e:
        partial.unlink(missing_ok=True)
        raise RecordingDownloadError(
            f"Download of recording {recording_sid} broke off after {size} bytes: {e}"
        ) from e
    except BaseException:
        partial.unlink(missing_ok=True)
        raise

    partial.replace(destination)
    return size
