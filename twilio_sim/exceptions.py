"""Errors raised by the Twilio simulator."""


class TwilioSimError(Exception):
    """Base class of the simulator's errors."""


class SimulatorConfigError(TwilioSimError, ValueError):
    """A setting or argument of the simulator is invalid."""


class CloudStartError(TwilioSimError):
    """The simulated Twilio REST API cannot listen on its base URL."""


class ApplicationError(TwilioSimError):
    """A TwiML request that fails as it would on Twilio, with Twilio's error code.

    Twilio then plays "an application error has occurred" to the caller and hangs up.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class TwiMLError(ApplicationError):
    """A TwiML document that Twilio rejects: wrong content type, XML or nesting."""
