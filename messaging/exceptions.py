"""Errors of sending messages to citizens."""


class MessagingError(Exception):
    """Base class of messaging errors."""


class MessageRejectedError(MessagingError):
    """Twilio rejected the message for good (invalid or blocked number)."""
