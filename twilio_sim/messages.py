"""Messages created through the simulated Messages API, and their status callbacks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from twilio_sim.resources import API_VERSION, count_segments, error_body, rfc2822

# E.164: a plus sign, a country code that does not start with 0, at most 15 digits.
E164_PATTERN = re.compile(r"\+[1-9][0-9]{6,14}")
# Twilio rejects longer bodies with error 21617.
MAX_BODY_CHARS = 1600
# Statuses Twilio reports to StatusCallback after creation, in order. Twilio sends
# no callback for the initial status "queued".
CALLBACK_STATUSES = ("sent", "delivered")


@dataclass
class Message:
    """One message created through the Messages API."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    body: str
    status: str
    date_created: datetime
    num_segments: int
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    date_updated: datetime | None = None
    date_sent: datetime | None = None
    # One entry per status callback sent: MessageStatus and the app's HTTP status.
    callbacks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uri(self) -> str:
        """Path of the message resource, as Twilio returns it in `uri`."""
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"

    def to_resource(self) -> dict[str, Any]:
        """Build the JSON message resource the REST API returns."""
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": rfc2822(self.date_sent) if self.date_sent else None,
            "date_updated": rfc2822(self.date_updated or self.date_created),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(self.num_segments),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {
                "media": self.uri.removesuffix(".json") + "/Media.json"
            },
            "to": self.to,
            "uri": self.uri,
        }

    def to_dict(self) -> dict[str, Any]:
        """Summarize the message for reports: SID, numbers, body, status, callbacks."""
        return {
            "sid": self.sid,
            "to": self.to,
            "from": self.from_,
            "body": self.body,
            "status": self.status,
            "num_segments": self.num_segments,
            "callbacks": list(self.callbacks),
        }

    def status_callback_params(self) -> dict[str, str]:
        """Build the form parameters of a status callback for the current status."""
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "MessageSid": self.sid,
            "MessageStatus": self.status,
            "SmsSid": self.sid,
            "SmsStatus": self.status,
            "To": self.to,
        }
        if self.from_:
            params["From"] = self.from_

        if self.messaging_service_sid:
            params["MessagingServiceSid"] = self.messaging_service_sid

        return params


def is_valid_address(address: str) -> bool:
    """Return whether an address is an E.164 number, optionally after whatsapp:."""
    number = address.removeprefix("whatsapp:")
    return E164_PATTERN.fullmatch(number) is not None


def check_message_form(form: Mapping[str, str]) -> dict[str, Any] | None:
    """Return Twilio's 400 error body for an invalid create request, else None."""
    to = form.get("To", "").strip()
    if not to:
        return error_body(400, 21604, "A 'To' phone number is required.")

    if not is_valid_address(to):
        return error_body(400, 21211, f"Invalid 'To' Phone Number: {to}")

    if not form.get("From") and not form.get("MessagingServiceSid"):
        return error_body(400, 21603, "A 'From' phone number is required.")

    body = form.get("Body", "")
    if not body and not form.get("MediaUrl"):
        return error_body(400, 21602, "Message body is required.")

    if len(body) > MAX_BODY_CHARS:
        return error_body(
            400,
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        )

    return None


def new_message(
    sid: str, account_sid: str, form: Mapping[str, str], now: datetime
) -> Message:
    """Create the message for a valid create request (see check_message_form)."""
    service_sid = form.get("MessagingServiceSid") or None
    body = form.get("Body", "")

    # A message sent through a Messaging Service starts as "accepted" until the
    # service picks a sender; one with a From number starts as "queued".
    return Message(
        sid=sid,
        account_sid=account_sid,
        to=form["To"].strip(),
        from_=form.get("From") or None,
        body=body,
        status="accepted" if service_sid else "queued",
        date_created=now,
        num_segments=count_segments(body) if body else 1,
        messaging_service_sid=service_sid,
        status_callback=form.get("StatusCallback") or None,
    )
