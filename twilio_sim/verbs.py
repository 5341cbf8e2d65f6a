"""The TwiML verbs of a simulated call: prompts, keypad input, redirects, hang-ups.

<Record> has its own module, recording.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TYPE_CHECKING

from twilio_sim.exceptions import TwiMLError
from twilio_sim.recording import RecordVerb
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

# Speaking rate used to estimate how long a <Say> lasts, in words per second.
SAY_WORDS_PER_SECOND = 2.5

VerbOutcome = NextRequest | Flow


class Verbs:
    """Handlers of the TwiML verbs of one call."""

    def __init__(self, call: SimulatedCall) -> None:
        self.call = call
        self._record_verb = RecordVerb(call)
        self._handlers: dict[str, Callable[[ET.Element, str], VerbOutcome]] = {
            "Say": self._say,
            "Play": self._play,
            "Pause": self._pause,
            "Gather": self._gather,
            "Record": self._record_verb.run,
            "Redirect": self._redirect,
            "Hangup": self._hangup,
            "Reject": self._reject,
        }

    def run(self, verb: ET.Element, url: str) -> VerbOutcome:
        """Run one verb of the document at url and return how the call goes on."""
        handler = self._handlers.get(verb.tag)
        if handler is None:
            self.call.emit_error(
                None,
                f"<{verb.tag}> is valid TwiML, but the simulator does not execute it; "
                "the simulator hung up.",
                url,
            )
            return Flow.HANG_UP

        try:
            return handler(verb, url)
        except TwiMLError as e:
            self.call.application_error(e.code, str(e), url)
            return Flow.HANG_UP

    def _say(self, verb: ET.Element, url: str) -> VerbOutcome:
        text = " ".join("".join(verb.itertext()).split())
        loop = integer_attribute(verb, "loop", 1)
        self.call.emit(
            "say",
            text=text,
            voice=verb.get("voice"),
            language=verb.get("language"),
            loop=loop,
        )
        seconds = max(1.0, len(text.split()) / SAY_WORDS_PER_SECOND)
        self.call.elapsed += seconds * max(loop, 1)
        return Flow.NEXT_VERB

    def _play(self, verb: ET.Element, url: str) -> VerbOutcome:
        # NOTE: the audio is not fetched, so its length adds nothing to the duration.
        source = (verb.text or "").strip()
        self.call.emit(
            "play",
            url=resolve_url(url, source) if source else None,
            loop=integer_attribute(verb, "loop", 1),
            digits=verb.get("digits"),
        )
        return Flow.NEXT_VERB

    def _pause(self, verb: ET.Element, url: str) -> VerbOutcome:
        length = integer_attribute(verb, "length", 1)
        self.call.emit("pause", length=length)
        self.call.elapsed += length
        return Flow.NEXT_VERB

    def _gather(self, verb: ET.Element, url: str) -> VerbOutcome:
        """Play the nested verbs, then enter the next key presses or time out.

        Without input Twilio goes on with the next verb, unless
        actionOnEmptyResult="true" makes it post the action with empty Digits.
        Speech input is not simulated, so input="speech" always times out.
        """
        num_digits = integer_attribute(verb, "numDigits", 0)
        timeout = integer_attribute(verb, "timeout", 5)
        finish_on_key = verb.get("finishOnKey", "#")
        action = resolve_url(url, verb.get("action") or url)
        method = method_attribute(verb)
        action_on_empty = boolean_attribute(verb, "actionOnEmptyResult", False)
        for child in verb:
            self.run(child, url)

        digits = ""
        if "dtmf" in (verb.get("input") or "dtmf").split():
            digits = self._enter_digits(num_digits, finish_on_key, timeout)
        else:
            self._time_out(timeout)

        if digits or action_on_empty:
            return NextRequest(action, method, {"Digits": digits})

        return Flow.NEXT_VERB

    def _enter_digits(self, num_digits: int, finish_on_key: str, timeout: int) -> str:
        """Enter the next key presses into a <Gather>; return the digits collected."""
        if not self.call.presses:
            self._time_out(timeout)
            return ""

        keys = self.call.presses.popleft()
        digits = ""
        for key in keys:
            if key in finish_on_key:
                break

            digits += key
            if num_digits and len(digits) >= num_digits:
                break
        else:
            # Neither the finish key nor numDigits ended input, so Twilio waits
            # for the timeout before it submits what was entered.
            self.call.elapsed += timeout

        self.call.emit("pressed", digits=digits, keys=keys)
        return digits

    def _time_out(self, seconds: int) -> None:
        self.call.emit("timeout", seconds=seconds)
        self.call.elapsed += seconds

    def _redirect(self, verb: ET.Element, url: str) -> VerbOutcome:
        target = (verb.text or "").strip()
        if not target:
            raise TwiMLError(12200, "Schema validation: <Redirect> has no URL.")

        return NextRequest(resolve_url(url, target), method_attribute(verb))

    def _hangup(self, verb: ET.Element, url: str) -> VerbOutcome:
        self.call.emit("hangup", by="app")
        return Flow.HANG_UP

    def _reject(self, verb: ET.Element, url: str) -> VerbOutcome:
        reason = verb.get("reason", "rejected")
        self.call.emit("reject", reason=reason)
        if self.call.documents_requested == 1 and self.call.verbs_run == 0:
            # Only a <Reject> that comes first leaves the call unanswered.
            # NOTE: Twilio documents the final status as busy or no-answer
            # depending on reason; that rejected maps to no-answer is assumed.
            self.call.result.status = "busy" if reason == "busy" else "no-answer"

        return Flow.HANG_UP
