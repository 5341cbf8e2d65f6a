"""TwiML documents of the phone menu, built with the twilio library's VoiceResponse."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.prompts import Prompts
from tickets.reference import spoken_reference
from tickets.topics import REPEAT_DIGIT, TopicCatalog

# Spoken prompts are queued one <Say> each, so Twilio can start speaking the first while
# it renders the next.


def say(target: VoiceResponse | Gather, prompts: Prompts, text: str) -> None:
    """Add a <Say> with the configured voice and language."""
    target.say(text, voice=prompts.voice or None, language=prompts.language)


def menu_twiml(
    prompts: Prompts,
    topics: TopicCatalog,
    *,
    choice_url: str,
    after_url: str,
    timeout: int,
    lead_texts: list[str],
) -> VoiceResponse:
    """Say lead_texts, then read the topic menu inside a one-digit <Gather>.

    When the caller presses nothing Twilio continues after the <Gather>, to the
    <Redirect> to after_url.
    """
    response = VoiceResponse()
    for text in lead_texts:
        say(response, prompts, text)

    gather = Gather(
        input="dtmf", num_digits=1, action=choice_url, method="POST", timeout=timeout
    )
    say(gather, prompts, prompts.text("menu_intro"))
    for topic in topics.topics:
        say(
            gather,
            prompts,
            prompts.text("menu_item", name=topic.name, digit=topic.digit),
        )

    say(gather, prompts, prompts.text("menu_repeat", digit=REPEAT_DIGIT))
    response.append(gather)
    response.redirect(after_url, method="POST")
    return response


def redirect_twiml(prompts: Prompts, url: str, texts: list[str]) -> VoiceResponse:
    """Say texts, then continue at url."""
    response = VoiceResponse()
    for text in texts:
        say(response, prompts, text)

    response.redirect(url, method="POST")
    return response


def record_twiml(
    prompts: Prompts,
    *,
    action_url: str,
    status_url: str,
    after_url: str,
    max_length: int,
    silence_timeout: int,
    lead_texts: list[str],
) -> VoiceResponse:
    """Ask for the complaint and record it; `#` or silence ends the recording.

    If the caller says nothing, Twilio skips the action request and continues with the
    <Redirect> to after_url.
    """
    response = VoiceResponse()
    for text in lead_texts:
        say(response, prompts, text)

    say(response, prompts, prompts.text("record_instructions"))
    response.record(
        action=action_url,
        method="POST",
        max_length=max_length,
        timeout=silence_timeout,
        finish_on_key="#",
        play_beep=True,
        recording_status_callback=status_url,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed absent",
    )
    response.redirect(after_url, method="POST")
    return response


def ticket_created_twiml(
    prompts: Prompts, reference: str, sms_sent: bool
) -> VoiceResponse:
    """Read the ticket reference digit by digit, twice, then say goodbye and hang up."""
    response = VoiceResponse()
    spoken = spoken_reference(reference)
    say(response, prompts, f"{prompts.text('ticket_created')} {spoken}.")
    response.pause(length=1)
    say(response, prompts, f"{prompts.text('ticket_repeat')} {spoken}.")
    if sms_sent:
        say(response, prompts, prompts.text("sms_notice"))

    say(response, prompts, prompts.text("goodbye"))
    response.hangup()
    return response


def error_twiml(prompts: Prompts | None) -> VoiceResponse:
    """Apologise and hang up; used when a caller-facing webhook fails."""
    response = VoiceResponse()
    if prompts is None:
        response.say(
            "Mohon maaf, layanan kami sedang mengalami gangguan. "
            "Silakan hubungi kami kembali beberapa saat lagi.",
            language="id-ID",
        )
    else:
        say(response, prompts, prompts.text("error"))

    response.hangup()
    return response
