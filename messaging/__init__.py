"""Messages to citizens: caller ID rules, SMS through the Twilio Messages API, status
callbacks.
"""
