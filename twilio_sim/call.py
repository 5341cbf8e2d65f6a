"""SimulatedCall: an inbound call that walks the app's TwiML as Twilio does."""

from __future__ import annotations

import logging
import math
import threading
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import phonenumbers
import requests

from twilio_sim.events import EVENT_KINDS, CallEvent, CallResult
from twilio_sim.exceptions import ApplicationError, SimulatorConfigError
from twilio_sim.resources import API_VERSION, new_sid, rfc2822, utc_now
from twilio_sim.twiml import Flow, NextRequest, parse_twiml
from twilio_sim.verbs import Verbs
from twilio_sim.webhooks import WEBHOOK_TIMEOUT, send_webhook

if TYPE_CHECKING:
    from twilio_sim.cloud import TwilioCloud

logger = logging.getLogger(__name__)

# TwiML documents one call may request before the simulator stops it as a loop.
DEFAULT_MAX_STEPS = 60
KEYPAD_KEYS = frozenset("0123456789*#")


class SimulatedCall:
    """One inbound call from from_number to to_number, answered by voice_url.

    presses holds one key sequence per <Gather>, in order; a <Gather> with none
    left times out. speak_path is the audio the caller speaks into each <Record>;
    without it the caller stays silent. recording_not_ready_requests makes the
    first downloads of each recording return 404, as Twilio does while it still
    processes the file. The call's duration is simulated time: pauses, timeouts,
    recordings and an estimate of each <Say>. Nothing sleeps.
    """

    def __init__(
        self,
        cloud: TwilioCloud,
        voice_url: str,
        from_number: str,
        to_number: str,
        *,
        presses: Sequence[str] = (),
        speak_path: str | Path | None = None,
        hangup_during_record: bool = False,
        duplicate_callbacks: bool = False,
        status_callback_url: str | None = None,
        on_event: Callable[[CallEvent], None] | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
        recording_not_ready_requests: int = 0,
        request_timeout: float = WEBHOOK_TIMEOUT,
    ) -> None:
        for keys in presses:
            if not keys or not set(keys) <= KEYPAD_KEYS:
                raise SimulatorConfigError(
                    f"Key presses {keys!r} are invalid; use the keypad keys 0-9, * "
                    "and #, e.g. '1' or '1234#'."
                )

        self.cloud = cloud
        self.voice_url = voice_url
        self.from_number = from_number
        self.to_number = to_number
        self.speak_path = Path(speak_path) if speak_path is not None else None
        self.hangup_during_record = hangup_during_record
        self.duplicate_callbacks = duplicate_callbacks
        self.status_callback_url = status_callback_url
        self.max_steps = max_steps
        self.recording_not_ready_requests = recording_not_ready_requests
        self.request_timeout = request_timeout
        self.call_sid = new_sid("CA")
        self.call_status = "ringing"
        self.started_at = utc_now()
        # Simulated seconds since the call was answered.
        self.elapsed = 0.0
        self.result = CallResult(self.call_sid, from_number, to_number)
        # Key sequences still to enter, one per <Gather>.
        self.presses = deque(presses)
        # TwiML documents requested and top-level verbs run so far.
        self.documents_requested = 0
        self.verbs_run = 0
        self._on_event = on_event
        self._events_lock = threading.Lock()
        self._verbs = Verbs(self)

    def run(self) -> CallResult:
        """Place the call, walk the app's TwiML until it ends, return the result."""
        logger.info("simulated call started call_sid=%s", self.call_sid)
        request: NextRequest | None = NextRequest(self.voice_url, "POST")
        while request is not None:
            self.documents_requested += 1
            if self.documents_requested > self.max_steps:
                self.emit_error(
                    None,
                    f"The call requested more than {self.max_steps} TwiML documents, "
                    "so the flow loops (a <Redirect> or a <Gather> without an exit); "
                    "the simulator hung up.",
                    request.url,
                )
                break

            document = self._fetch_document(request)
            if document is None:
                break

            request = self._execute(document, request.url)

        self._finish()
        return self.result

    def call_params(self) -> dict[str, str]:
        """Build the parameters Twilio sends with every request about this call."""
        params = {
            "AccountSid": self.cloud.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": self.call_sid,
            "CallStatus": self.call_status,
            "Called": self.to_number,
            "Caller": self.from_number,
            "Direction": "inbound",
            "From": self.from_number,
            "To": self.to_number,
        }
        for prefix, number in (
            ("From", self.from_number),
            ("Caller", self.from_number),
            ("To", self.to_number),
            ("Called", self.to_number),
        ):
            params[f"{prefix}Country"] = country_of(number)
            params[f"{prefix}City"] = ""
            params[f"{prefix}State"] = ""
            params[f"{prefix}Zip"] = ""

        return params

    def emit(self, kind: str, **data: object) -> None:
        """Record an event and pass it to on_event; safe from several threads."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"Unknown call event kind {kind!r}.")

        event = CallEvent(kind, data)
        with self._events_lock:
            self.result.events.append(event)
            if self._on_event is not None:
                self._on_event(event)

    def emit_error(self, code: int | None, message: str, url: str | None) -> None:
        """Record an error event and log it with the call's SID."""
        logger.warning(
            "simulated call error call_sid=%s code=%s message=%s",
            self.call_sid,
            code,
            message,
        )
        self.emit("error", code=code, message=message, url=url)

    def request_twiml(self, request: NextRequest) -> requests.Response:
        """Send a TwiML request and return the app's 2xx response.

        Raises ApplicationError with Twilio's code when the app cannot be reached
        (11205) or responds with another HTTP status (11200).
        """
        params = {**self.call_params(), **request.params}
        try:
            response = send_webhook(
                request.url,
                params,
                auth_token=self.cloud.auth_token,
                method=request.method,
                timeout=self.request_timeout,
            )
        except requests.RequestException as e:
            self.emit(
                "request", url=request.url, method=request.method, http_status=None
            )
            raise ApplicationError(
                11205, f"HTTP connection failure: {request.method} {request.url}: {e}"
            ) from e

        self.emit(
            "request",
            url=request.url,
            method=request.method,
            http_status=response.status_code,
        )
        if not 200 <= response.status_code < 300:
            raise ApplicationError(
                11200,
                f"HTTP retrieval failure: {request.method} {request.url} returned "
                f"HTTP {response.status_code}.",
            )

        return response

    def _fetch_document(self, request: NextRequest) -> ET.Element | None:
        try:
            response = self.request_twiml(request)
            self.call_status = "in-progress"
            return parse_twiml(
                response.content, response.headers.get("Content-Type", "")
            )
        except ApplicationError as e:
            self.application_error(e.code, str(e), request.url)
            return None
        finally:
            if request.after_fetch is not None:
                request.after_fetch()

    def application_error(self, code: int, message: str, url: str) -> None:
        """Record Twilio's application error and the hang-up that follows it."""
        # Twilio plays "We are sorry, an application error has occurred" to the
        # caller and hangs up.
        self.emit_error(code, message, url)
        self.emit("hangup", by="application error")

    def _execute(self, document: ET.Element, url: str) -> NextRequest | None:
        for verb in document:
            outcome = self._verbs.run(verb, url)
            self.verbs_run += 1
            if isinstance(outcome, NextRequest):
                return outcome

            if outcome is Flow.HANG_UP:
                return None

        self.emit("hangup", by="end of document")
        return None

    def _finish(self) -> None:
        self.call_status = self.result.status
        answered = self.result.status == "completed"
        self.result.duration = math.ceil(round(self.elapsed, 3)) if answered else 0
        if self.status_callback_url:
            params = {
                **self.call_params(),
                "CallDuration": str(self.result.duration),
                "CallbackSource": "call-progress-events",
                "SequenceNumber": "0",
                "Timestamp": rfc2822(utc_now()),
            }
            self.send_callback("call_status", self.status_callback_url, "POST", params)

        logger.info(
            "simulated call ended call_sid=%s status=%s duration=%d errors=%d",
            self.call_sid,
            self.result.status,
            self.result.duration,
            len(self.result.errors),
        )

    def send_callback(
        self,
        name: str,
        url: str,
        method: str,
        params: dict[str, str],
        idempotency_token: str | None = None,
    ) -> None:
        """Send a status callback, whose response Twilio ignores, and record it.

        A failed callback is recorded as an error: Twilio only logs warning 15003
        and carries on, but the app failed on that request.
        """
        http_status: int | None = None
        failure = ""
        try:
            response = send_webhook(
                url,
                params,
                auth_token=self.cloud.auth_token,
                method=method,
                idempotency_token=idempotency_token,
                timeout=self.request_timeout,
            )
            http_status = response.status_code
        except requests.RequestException as e:
            failure = f": {e}"

        status = params.get("RecordingStatus") or params.get("CallStatus")
        self.emit(
            "callback", name=name, url=url, status=status, http_status=http_status
        )
        if http_status is None or not 200 <= http_status < 300:
            self.emit_error(
                15003,
                f"The {name} callback to {url} failed with HTTP "
                f"{http_status}{failure}.",
                url,
            )


def country_of(number: str) -> str:
    """Return the ISO country code of an E.164 number, or '' if it has none."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ""

    return phonenumbers.region_code_for_number(parsed) or ""


def run_call(
    cloud: TwilioCloud,
    voice_url: str,
    from_number: str,
    to_number: str,
    **options: Any,
) -> CallResult:
    """Place one simulated call and return its result; options as for SimulatedCall."""
    return SimulatedCall(cloud, voice_url, from_number, to_number, **options).run()
