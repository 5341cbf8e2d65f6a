"""The <Record> verb of a simulated call: audio length, action request, callbacks."""

from __future__ import annotations

import logging
import math
import mimetypes
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import av

from twilio_sim.exceptions import ApplicationError, TwiMLError
from twilio_sim.resources import new_sid, rfc2822
from twilio_sim.twiml import (
    Flow,
    NextRequest,
    boolean_attribute,
    integer_attribute,
    method_attribute,
    resolve_url,
)

if TYPE_CHECKING:
    from twilio_sim.call import SimulatedCall

logger = logging.getLogger(__name__)

# Media types of the audio registered with the cloud, by file suffix.
MEDIA_TYPES = {".wav": "audio/x-wav", ".mp3": "audio/mpeg"}


def audio_duration_seconds(path: Path) -> float:
    """Return the length of an audio file in seconds, or 0.0 if it has no audio."""
    try:
        with av.open(str(path)) as container:
            if container.duration is not None:
                return container.duration / av.time_base

            if not container.streams.audio:
                return 0.0

            stream = container.streams.audio[0]
            samples = sum(frame.samples for frame in container.decode(stream))
            return samples / stream.sample_rate if stream.sample_rate else 0.0
    except (av.FFmpegError, OSError) as e:
        logger.info("audio unreadable, duration 0 path=%s error=%s", path, e)
        return 0.0


def whole_seconds(seconds: float) -> int:
    """Round a length up to whole seconds, so any audio counts as at least one."""
    return math.ceil(round(seconds, 3))


def media_type_for(path: Path) -> str:
    """Return the media type the recording is served with, from the file suffix."""
    suffix = path.suffix.lower()
    if suffix in MEDIA_TYPES:
        return MEDIA_TYPES[suffix]

    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class RecordSettings:
    """Attributes of one <Record>, with Twilio's defaults filled in."""

    action: str
    method: str
    timeout: int
    finish_on_key: str
    max_length: int
    play_beep: bool
    status_callback: str | None
    status_callback_method: str
    status_callback_events: frozenset[str]

    @classmethod
    def from_element(cls, verb: ET.Element, document_url: str) -> RecordSettings:
        """Read a <Record> element; relative URLs resolve against document_url."""
        max_length = integer_attribute(verb, "maxLength", 3600)
        if max_length < 1:
            raise TwiMLError(
                12200,
                f"Schema validation: <Record maxLength={max_length}> must be 1 "
                "or more.",
            )

        callback = verb.get("recordingStatusCallback")
        events = verb.get("recordingStatusCallbackEvent") or "completed"
        return cls(
            action=resolve_url(document_url, verb.get("action") or document_url),
            method=method_attribute(verb),
            timeout=integer_attribute(verb, "timeout", 5),
            finish_on_key=verb.get("finishOnKey", "1234567890*#"),
            max_length=max_length,
            play_beep=boolean_attribute(verb, "playBeep", True),
            status_callback=resolve_url(document_url, callback) if callback else None,
            status_callback_method=method_attribute(
                verb, "recordingStatusCallbackMethod"
            ),
            status_callback_events=frozenset(events.replace(",", " ").split()),
        )


class RecordVerb:
    """Handler of the <Record> verbs of one call."""

    def __init__(self, call: SimulatedCall) -> None:
        self.call = call

    def run(self, verb: ET.Element, document_url: str) -> NextRequest | Flow:
        """Record the caller and return the action request, or how the call goes on.

        With a speak file the caller speaks it, then presses # when finishOnKey
        contains it, or else hangs up. Without one the caller stays silent, so
        Twilio gets an empty recording, requests no action and goes on with the
        next verb.
        """
        settings = RecordSettings.from_element(verb, document_url)
        call = self.call
        if call.speak_path is None:
            call.emit("timeout", seconds=settings.timeout)
            call.elapsed += settings.timeout
            if call.hangup_during_record:
                call.emit("hangup", by="caller")
                return Flow.HANG_UP

            return Flow.NEXT_VERB

        recording_sid, duration, started_at = self._record(call.speak_path, settings)
        hung_up = call.hangup_during_record or "#" not in settings.finish_on_key
        digits = "hangup" if hung_up else "#"
        recording_url = call.cloud.recording_url(recording_sid)
        call.emit(
            "recording",
            recording_sid=recording_sid,
            duration=duration,
            url=recording_url,
            digits=digits,
            beep=settings.play_beep,
        )

        params = {
            "Digits": digits,
            "RecordingDuration": str(duration),
            "RecordingSid": recording_sid,
            "RecordingUrl": recording_url,
        }

        def send_status_callbacks() -> None:
            self._send_status_callbacks(settings, params, started_at)

        action = NextRequest(settings.action, settings.method, params)
        if not hung_up:
            action.after_fetch = send_status_callbacks
            return action

        return self._hang_up(action, send_status_callbacks)

    def _record(
        self, speak_path: Path, settings: RecordSettings
    ) -> tuple[str, int, datetime]:
        """Register the spoken file with the cloud; return its SID, length and start."""
        call = self.call
        recording_sid = new_sid("RE")
        duration = min(
            whole_seconds(audio_duration_seconds(speak_path)), settings.max_length
        )
        call.cloud.register_recording(
            recording_sid,
            speak_path.read_bytes(),
            media_type_for(speak_path),
            call.recording_not_ready_requests,
            call_sid=call.call_sid,
            duration=duration,
        )
        started_at = call.started_at + timedelta(seconds=call.elapsed)
        call.elapsed += duration
        call.result.recording_sid = recording_sid
        return recording_sid, duration, started_at

    def _hang_up(
        self, action: NextRequest, send_status_callbacks: Callable[[], None]
    ) -> Flow:
        """Post the action of a recording the caller ended by hanging up.

        Twilio still requests the action URL but ignores the TwiML it returns.
        """
        call = self.call
        call.call_status = "completed"
        try:
            call.request_twiml(action)
        except ApplicationError as e:
            call.emit_error(e.code, str(e), action.url)

        send_status_callbacks()
        call.emit("hangup", by="caller")
        return Flow.HANG_UP

    def _send_status_callbacks(
        self,
        settings: RecordSettings,
        action_params: dict[str, str],
        started_at: datetime,
    ) -> None:
        # NOTE: only the "completed" event is simulated; "in-progress" and
        # "absent" in recordingStatusCallbackEvent send nothing.
        if not settings.status_callback:
            return

        if "completed" not in settings.status_callback_events:
            return

        call = self.call
        params = {
            "AccountSid": call.cloud.account_sid,
            "CallSid": call.call_sid,
            "RecordingChannels": "1",
            "RecordingDuration": action_params["RecordingDuration"],
            "RecordingSid": action_params["RecordingSid"],
            "RecordingSource": "RecordVerb",
            "RecordingStartTime": rfc2822(started_at),
            "RecordingStatus": "completed",
            "RecordingUrl": action_params["RecordingUrl"],
        }
        url, method = settings.status_callback, settings.status_callback_method
        if not call.duplicate_callbacks:
            call.send_callback("recording_status", url, method, params)
            return

        # Twilio can deliver one event twice at the same moment; both copies carry
        # the same idempotency token. The barrier releases both threads together.
        token = str(uuid.uuid4())
        barrier = threading.Barrier(2)

        def send_copy() -> None:
            barrier.wait()
            call.send_callback("recording_status", url, method, params, token)

        threads = [threading.Thread(target=send_copy) for _ in range(2)]
        for thread in threads:
            thread.start()

        for thread in threads:
            thread.join()
