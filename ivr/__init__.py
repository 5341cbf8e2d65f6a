"""The phone menu: Twilio voice webhooks that return TwiML in Indonesian."""
