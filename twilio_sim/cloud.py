"""TwilioCloud: the simulated Twilio REST API (recordings, messages) in a thread.

Apps point the twilio library at it with ``client.api.base_url = cloud.base_url``.
"""

from __future__ import annotations

import errno
import hmac
import logging
import socket
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from twilio_sim.exceptions import CloudStartError, SimulatorConfigError
from twilio_sim.messages import CALLBACK_STATUSES, Message, new_message
from twilio_sim.resources import API_VERSION, new_sid, utc_now
from twilio_sim.rest_api import create_rest_app
from twilio_sim.webhooks import send_webhook

logger = logging.getLogger(__name__)

# Seconds stop() waits for message status callbacks still being sent.
CALLBACK_JOIN_TIMEOUT = 5.0
# Seconds between the server thread's checks for a shutdown request.
SHUTDOWN_POLL_INTERVAL = 0.05


@dataclass
class StoredRecording:
    """Audio registered with the cloud, with its download faults and counters."""

    sid: str
    data: bytes
    content_type: str
    date_created: datetime
    call_sid: str | None = None
    duration: int | None = None
    # HTTP statuses returned for the next fetches, in order, before the audio.
    faults: deque[int] = field(default_factory=deque)
    fetch_count: int = 0
    download_count: int = 0
    deleted: bool = False


class _QuietRequestHandler(WSGIRequestHandler):
    """Request handler that logs each request at DEBUG instead of printing it."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug("cloud request line=%r status=%s", self.requestline, code)


class TwilioCloud:
    """The simulated Twilio REST API for one account, served on base_url.

    Use ``with TwilioCloud(...) as cloud:`` or call start() and stop(). Port 0 in
    base_url picks a free port; base_url then names it.
    """

    def __init__(self, base_url: str, account_sid: str, auth_token: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise SimulatorConfigError(
                f"TWILIO_API_BASE_URL={base_url!r} is not an http:// URL with a host; "
                "set it to e.g. http://127.0.0.1:8070 to use the simulator."
            )

        if not account_sid or not auth_token:
            raise SimulatorConfigError(
                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must both be set; the "
                "simulator checks requests and signs webhooks with them."
            )

        self.host = parts.hostname
        self.port = 80 if parts.port is None else parts.port
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._condition = threading.Condition()
        self._recordings: dict[str, StoredRecording] = {}
        self._messages: list[Message] = []
        self._callback_threads: list[threading.Thread] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.app = create_rest_app(self)

    @property
    def base_url(self) -> str:
        """Base URL of the REST API, with the port actually bound once started."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> TwilioCloud:
        """Bind base_url and serve the REST API from a background thread."""
        if self._server is not None:
            return self

        listener = self._bind()
        try:
            self._server = make_server(
                self.host,
                self.port,
                self.app,
                threaded=True,
                request_handler=_QuietRequestHandler,
                fd=listener.fileno(),
            )
        finally:
            # make_server duplicates the descriptor, so this copy is not needed.
            listener.close()

        self.port = self._server.port
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_INTERVAL},
            name="twilio-cloud",
            daemon=True,
        )
        self._thread.start()
        logger.info("Twilio simulator started base_url=%s", self.base_url)
        return self

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.host, self.port))
            listener.listen(128)
        except OSError as e:
            listener.close()
            if e.errno == errno.EADDRINUSE:
                advice = (
                    f"Port {self.port} is already in use, probably by another "
                    "simulated call: wait for it to end. The app sends SMS to "
                    "TWILIO_API_BASE_URL, so the simulator cannot move to another "
                    "port on its own."
                )
            else:
                advice = "Set TWILIO_API_BASE_URL to a local address and free port."

            raise CloudStartError(
                f"Cannot listen on {self.host}:{self.port} for TWILIO_API_BASE_URL="
                f"{self.base_url} ({e.strerror}). {advice}"
            ) from e

        return listener

    def stop(self) -> None:
        """Stop serving and wait for message status callbacks still being sent."""
        with self._condition:
            threads = list(self._callback_threads)

        for thread in threads:
            thread.join(CALLBACK_JOIN_TIMEOUT)

        if self._server is None:
            return

        self._server.shutdown()
        if self._thread is not None:
            self._thread.join()

        self._server = None
        self._thread = None
        logger.info("Twilio simulator stopped base_url=%s", self.base_url)

    def __enter__(self) -> TwilioCloud:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def check_credentials(self, username: str | None, password: str | None) -> bool:
        """Return whether HTTP basic auth credentials are this account's."""
        if username is None or password is None:
            return False

        # compare_digest takes bytes here because it rejects non-ASCII strings.
        username_valid = hmac.compare_digest(
            username.encode(), self.account_sid.encode()
        )
        password_valid = hmac.compare_digest(
            password.encode(), self.auth_token.encode()
        )
        return username_valid and password_valid

    def recording_url(self, recording_sid: str) -> str:
        """Return the RecordingUrl of a recording: no extension, as Twilio sends it."""
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{recording_sid}"
        return self.base_url + path

    def register_recording(
        self,
        recording_sid: str,
        data: bytes,
        content_type: str = "audio/x-wav",
        not_ready_requests: int = 0,
        *,
        call_sid: str | None = None,
        duration: int | None = None,
    ) -> StoredRecording:
        """Store audio under a RecordingSid for download.

        The first not_ready_requests fetches return 404, as Twilio does while a
        recording is still being processed after its callback.
        """
        recording = StoredRecording(
            sid=recording_sid,
            data=data,
            content_type=content_type,
            date_created=utc_now(),
            call_sid=call_sid,
            duration=duration,
            faults=deque([404] * not_ready_requests),
        )
        with self._condition:
            self._recordings[recording_sid] = recording

        logger.debug(
            "recording registered recording_sid=%s bytes=%d", recording_sid, len(data)
        )
        return recording

    def fail_recording_fetches(
        self, recording_sid: str, count: int, status: int = 500
    ) -> None:
        """Return an HTTP error status for the next count fetches of a recording."""
        with self._condition:
            self._require_recording(recording_sid).faults.extend([status] * count)

    def recording(self, recording_sid: str) -> StoredRecording | None:
        """Return the stored recording, deleted or not, or None if never registered."""
        with self._condition:
            return self._recordings.get(recording_sid)

    def download_count(self, recording_sid: str) -> int:
        """Count the fetches of a recording's audio that returned 200."""
        with self._condition:
            return self._require_recording(recording_sid).download_count

    def wait_for_download(self, recording_sid: str, timeout: float) -> bool:
        """Wait until a recording's audio was downloaded; False when time runs out."""
        with self._condition:
            recording = self._require_recording(recording_sid)
            return self._condition.wait_for(
                lambda: recording.download_count > 0, timeout
            )

    def _require_recording(self, recording_sid: str) -> StoredRecording:
        recording = self._recordings.get(recording_sid)
        if recording is None:
            raise KeyError(f"No recording {recording_sid} is registered.")

        return recording

    def fetch_recording(
        self, recording_sid: str, media: bool
    ) -> tuple[int, StoredRecording | None]:
        """Count one fetch; return its HTTP status and, for 200, the recording.

        media is False for the .json resource, which is not a download.
        """
        with self._condition:
            recording = self._recordings.get(recording_sid)
            if recording is None or recording.deleted:
                return 404, None

            recording.fetch_count += 1
            if recording.faults:
                return recording.faults.popleft(), None

            if media:
                recording.download_count += 1
                self._condition.notify_all()

            return 200, recording

    def delete_recording(self, recording_sid: str) -> bool:
        """Mark a recording deleted; False if there was none to delete."""
        with self._condition:
            recording = self._recordings.get(recording_sid)
            if recording is None or recording.deleted:
                return False

            recording.deleted = True
            return True

    @property
    def messages(self) -> list[Message]:
        """Every message created so far, oldest first."""
        with self._condition:
            return list(self._messages)

    def find_message(self, message_sid: str) -> Message | None:
        """Return the message with this SID, or None."""
        with self._condition:
            return next((m for m in self._messages if m.sid == message_sid), None)

    def wait_for_messages(
        self, to: str | None = None, count: int = 1, timeout: float = 10.0
    ) -> list[Message]:
        """Wait until count messages (to one number, if given) exist and return them.

        Returns the messages found so far, possibly fewer than count, when the
        timeout runs out.
        """

        def matching() -> list[Message]:
            return [m for m in self._messages if to is None or m.to == to]

        with self._condition:
            self._condition.wait_for(lambda: len(matching()) >= count, timeout)
            return matching()

    def create_message(self, form: Mapping[str, str]) -> Message:
        """Store a message from a validated create request and start its callbacks."""
        message = new_message(new_sid("SM"), self.account_sid, form, utc_now())
        with self._condition:
            self._messages.append(message)
            self._condition.notify_all()

        logger.info("message created message_sid=%s", message.sid)
        if message.status_callback:
            thread = threading.Thread(
                target=self._send_status_callbacks,
                args=(message, message.status_callback),
                name=f"status-callback-{message.sid}",
                daemon=True,
            )
            # Started under the lock, so stop() never joins a thread not yet started.
            with self._condition:
                thread.start()
                self._callback_threads.append(thread)

        return message

    def _send_status_callbacks(self, message: Message, url: str) -> None:
        for status in CALLBACK_STATUSES:
            with self._condition:
                message.status = status
                message.date_updated = utc_now()
                message.date_sent = message.date_sent or message.date_updated
                params = message.status_callback_params()

            outcome: dict[str, Any] = {"status": status, "http_status": None}
            try:
                response = send_webhook(url, params, auth_token=self.auth_token)
                outcome["http_status"] = response.status_code
            except requests.RequestException as e:
                logger.warning(
                    "message status callback failed message_sid=%s status=%s error=%s",
                    message.sid,
                    status,
                    e,
                )
                outcome["error"] = str(e)

            with self._condition:
                message.callbacks.append(outcome)
                self._condition.notify_all()

    def wait_for_message_callbacks(
        self,
        message_sid: str,
        count: int = len(CALLBACK_STATUSES),
        timeout: float = 10.0,
    ) -> list[dict[str, Any]]:
        """Wait until count status callbacks of a message were sent and return them."""
        with self._condition:
            message = next((m for m in self._messages if m.sid == message_sid), None)
            if message is None:
                raise KeyError(f"No message {message_sid} was created.")

            self._condition.wait_for(lambda: len(message.callbacks) >= count, timeout)
            return list(message.callbacks)
