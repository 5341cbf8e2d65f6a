"""Events of a simulated call, and the result of the whole call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Event kinds and the data each carries:
#   request   url, method, http_status (a TwiML document request)
#   say       text, voice, language, loop
#   play      url, loop, digits
#   pause     length
#   pressed   digits, keys (digits submitted, and every key the caller entered)
#   timeout   seconds (a <Gather> or silent <Record> that got no input)
#   recording recording_sid, duration, url, digits, beep
#   callback  name, url, status, http_status (a status callback)
#   hangup    by ("app", "caller", "end of document" or "application error")
#   reject    reason
#   error     code, message, url
EVENT_KINDS = frozenset(
    {
        "request",
        "say",
        "play",
        "pause",
        "pressed",
        "timeout",
        "recording",
        "callback",
        "hangup",
        "reject",
        "error",
    }
)


@dataclass(frozen=True)
class CallEvent:
    """One thing the caller heard or did, or one request Twilio made."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the event as one flat dict with its kind."""
        return {"kind": self.kind, **self.data}


@dataclass
class CallResult:
    """Outcome of a simulated call: events in order, final status, recording."""

    call_sid: str
    from_number: str
    to_number: str
    status: str = "completed"
    # Whole seconds of simulated call time; see SimulatedCall for how it is counted.
    duration: int = 0
    recording_sid: str | None = None
    events: list[CallEvent] = field(default_factory=list)

    def events_of(self, kind: str) -> list[CallEvent]:
        """Return the events of one kind, in order."""
        return [event for event in self.events if event.kind == kind]

    @property
    def prompts(self) -> list[str]:
        """Texts of every <Say> the caller heard, in order."""
        return [event.data["text"] for event in self.events_of("say")]

    @property
    def errors(self) -> list[str]:
        """Messages of the error events, in order."""
        return [event.data["message"] for event in self.events_of("error")]

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data."""
        return {
            "call_sid": self.call_sid,
            "from": self.from_number,
            "to": self.to_number,
            "status": self.status,
            "duration": self.duration,
            "recording_sid": self.recording_sid,
            "events": [event.to_dict() for event in self.events],
            "errors": self.errors,
        }
