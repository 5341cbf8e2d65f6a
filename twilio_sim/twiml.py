"""TwiML documents as Twilio reads them: content type, XML, nesting and attributes."""

from __future__ import annotations

import enum
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from twilio_sim.exceptions import TwiMLError

# Verbs the simulator executes.
SIMULATED_VERBS = frozenset(
    {"Say", "Play", "Pause", "Gather", "Record", "Redirect", "Hangup", "Reject"}
)
# Other top-level TwiML voice verbs: valid for Twilio, not simulated here.
UNSIMULATED_VERBS = frozenset(
    {
        "Connect",
        "Dial",
        "Echo",
        "Enqueue",
        "Leave",
        "Pay",
        "Refer",
        "Sms",
        "Start",
        "Stop",
    }
)
# The only verbs that may nest in a <Gather>: Twilio plays them while it listens.
GATHER_CHILDREN = frozenset({"Say", "Play", "Pause"})
# Twilio reports error 12300 for a TwiML response of any other media type.
XML_MEDIA_TYPES = frozenset({"text/xml", "application/xml"})


class Flow(enum.Enum):
    """Next step of a call after a verb that requests no new document."""

    NEXT_VERB = "next_verb"
    HANG_UP = "hang_up"


@dataclass
class NextRequest:
    """A request for the TwiML document that replaces the current one."""

    url: str
    method: str
    params: dict[str, str] = field(default_factory=dict)
    # Runs after the request, whether or not it failed, before any verb executes.
    after_fetch: Callable[[], None] | None = None


def parse_twiml(body: bytes, content_type: str) -> ET.Element:
    """Parse and check a TwiML response; raise TwiMLError with Twilio's code."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in XML_MEDIA_TYPES:
        raise TwiMLError(
            12300,
            f"Invalid Content-Type {media_type or 'none'!r}: TwiML must be served as "
            "text/xml or application/xml.",
        )

    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise TwiMLError(12100, f"Document parse failure: {e}.") from e

    if root.tag != "Response":
        raise TwiMLError(
            12100,
            f"Document parse failure: the root element is <{root.tag}>, "
            "not <Response>.",
        )

    for verb in root:
        check_verb(verb)

    return root


def check_verb(verb: ET.Element) -> None:
    """Raise TwiMLError (12200) for an unknown verb or a child it may not have.

    NOTE: Twilio reports some of these as warnings and carries on; the simulator
    ends the call on every one, which is stricter than Twilio.
    """
    if verb.tag not in SIMULATED_VERBS | UNSIMULATED_VERBS:
        raise TwiMLError(12200, f"Schema validation: <{verb.tag}> is not a TwiML verb.")

    if verb.tag == "Gather":
        for child in verb:
            if child.tag not in GATHER_CHILDREN:
                raise TwiMLError(
                    12200,
                    f"Schema validation: <{child.tag}> cannot be nested in <Gather>; "
                    "only Say, Play and Pause can.",
                )

    if verb.tag in {"Play", "Pause", "Record", "Redirect", "Hangup", "Reject"}:
        for child in verb:
            raise TwiMLError(
                12200,
                f"Schema validation: <{child.tag}> cannot be nested in <{verb.tag}>.",
            )


def resolve_url(document_url: str, url: str) -> str:
    """Resolve a URL from a TwiML document against the document's own URL."""
    return urljoin(document_url, url.strip())


def integer_attribute(element: ET.Element, name: str, default: int) -> int:
    """Read a non-negative integer attribute; raise TwiMLError if it is not one."""
    raw = element.get(name)
    if raw is None:
        return default

    if not re.fullmatch(r"[0-9]+", raw.strip()):
        raise TwiMLError(
            12200,
            f"Schema validation: <{element.tag} {name}={raw!r}> is not a "
            "non-negative integer.",
        )

    return int(raw)


def boolean_attribute(element: ET.Element, name: str, default: bool) -> bool:
    """Read a true/false attribute; raise TwiMLError for any other value."""
    raw = element.get(name)
    if raw is None:
        return default

    if raw.strip().lower() not in {"true", "false"}:
        raise TwiMLError(
            12200,
            f"Schema validation: <{element.tag} {name}={raw!r}> is not true or false.",
        )

    return raw.strip().lower() == "true"


def method_attribute(element: ET.Element, name: str = "method") -> str:
    """Read an HTTP method attribute (GET or POST, default POST)."""
    raw = (element.get(name) or "POST").strip().upper()
    if raw not in {"GET", "POST"}:
        raise TwiMLError(
            12200,
            f"Schema validation: <{element.tag} {name}={raw!r}> is not GET or POST.",
        )

    return raw
