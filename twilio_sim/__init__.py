"""Twilio simulator: the REST API (recordings, messages) and inbound calls.

Local runs, demos and tests use it in place of Twilio.
"""

from twilio_sim.call import SimulatedCall, run_call
from twilio_sim.cloud import TwilioCloud
from twilio_sim.events import CallEvent, CallResult

__all__ = ["CallEvent", "CallResult", "SimulatedCall", "TwilioCloud", "run_call"]
