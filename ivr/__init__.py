"""The phone menu: Twilio voice webhooks answering with TwiML in Indonesian."""
