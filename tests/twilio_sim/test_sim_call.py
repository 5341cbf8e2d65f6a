"""Simulated inbound calls against the IVR test app."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from tests.twilio_sim.sim_ivr import (
    ACCOUNT_SID,
    CALLER,
    HOTLINE,
    NO_CHOICE,
    NOT_HEARD,
    RECORD_PROMPT,
    VOICE,
    WELCOME,
    free_port,
    reference_for,
    write_tone,
)
from twilio_sim.call import SimulatedCall, run_call
from twilio_sim.cloud import TwilioCloud
from twilio_sim.events import CallResult
from twilio_sim.exceptions import SimulatorConfigError
from twilio_sim.recording import audio_duration_seconds, whole_seconds

SID_PATTERN = "[0-9a-f]{32}"


def place_call(
    cloud: TwilioCloud, ivr_url: str, path: str, **options: object
) -> CallResult:
    """Call ivr_url + path from CALLER, with the app's call status callback."""
    return run_call(
        cloud,
        ivr_url + path,
        CALLER,
        HOTLINE,
        status_callback_url=ivr_url + "/ivr/status",
        **options,
    )


def request_paths(result: CallResult) -> list[str]:
    return [
        re.sub(r"^http://127\.0\.0\.1:\d+", "", event.data["url"])
        for event in result.events_of("request")
    ]


def test_full_call_walks_ivr_in_order(cloud, ivr_url, ivr_state, speech_wav):
    result = place_call(
        cloud, ivr_url, "/ivr/voice", presses=["1"], speak_path=speech_wav
    )

    reference = reference_for(result.call_sid)
    assert result.errors == []
    assert result.prompts == [
        WELCOME,
        RECORD_PROMPT,
        f"Nomor pengaduan Anda {reference}.",
    ]
    assert request_paths(result) == ["/ivr/voice", "/ivr/menu", "/ivr/recorded"]
    assert [event.data["digits"] for event in result.events_of("pressed")] == ["1"]
    assert result.events_of("hangup")[0].data["by"] == "app"
    assert result.status == "completed"


def test_say_records_voice_and_language(cloud, ivr_url, speech_wav):
    result = place_call(
        cloud, ivr_url, "/ivr/voice", presses=["1"], speak_path=speech_wav
    )

    first = result.events_of("say")[0].data
    assert first["voice"] == VOICE
    assert first["language"] == "id-ID"
    assert first["loop"] == 1


def test_every_webhook_signature_validates(cloud, ivr_url, ivr_state, speech_wav):
    place_call(cloud, ivr_url, "/ivr/voice", presses=["1"], speak_path=speech_wav)
    cloud.wait_for_message_callbacks(ivr_state.sms_sids[0])

    # SMS status callbacks come from another thread, so only the set is fixed.
    assert sorted(ivr_state.paths()) == [
        "/ivr/menu",
        "/ivr/recorded",
        "/ivr/recording-status",
        "/ivr/sms-status",
        "/ivr/sms-status",
        "/ivr/status",
        "/ivr/voice",
    ]
    assert all(hit.signature_valid for hit in ivr_state.hits)


def test_wrong_auth_token_fails_signature(ivr_url, ivr_state):
    with TwilioCloud("http://127.0.0.1:0", ACCOUNT_SID, "another-token") as other:
        result = place_call(other, ivr_url, "/ivr/voice", presses=["1"])

    assert ivr_state.hits[0].signature_valid is False
    assert result.events_of("error")[0].data["code"] == 11200
    assert result.prompts == []


def test_call_parameters_match_twilio(cloud, ivr_url, ivr_state, speech_wav):
    result = place_call(
        cloud, ivr_url, "/ivr/voice", presses=["1"], speak_path=speech_wav
    )

    first, second = ivr_state.hits[0].params, ivr_state.hits[1].params
    assert re.fullmatch("CA" + SID_PATTERN, result.call_sid)
    assert first["CallSid"] == result.call_sid
    assert first["AccountSid"] == ACCOUNT_SID
    assert first["From"] == CALLER
    assert first["Caller"] == CALLER
    assert first["To"] == HOTLINE
    assert first["Called"] == HOTLINE
    assert first["FromCountry"] == "ID"
    assert first["ToCountry"] == "ID"
    assert first["Direction"] == "inbound"
    assert first["ApiVersion"] == "2010-04-01"
    assert first["CallStatus"] == "ringing"
    assert second["CallStatus"] == "in-progress"
    assert second["Digits"] == "1"


def test_record_action_and_status_callback(cloud, ivr_url, ivr_state, speech_wav):
    result = place_call(
        cloud, ivr_url, "/ivr/voice", presses=["1"], speak_path=speech_wav
    )

    action = ivr_state.hits_to("/ivr/recorded")[0].params
    status = ivr_state.hits_to("/ivr/recording-status")[0].params
    expected_url = f"{cloud.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/"
    assert re.fullmatch("RE" + SID_PATTERN, result.recording_sid)
    assert action["RecordingSid"] == result.recording_sid
    assert action["RecordingUrl"] == expected_url + result.recording_sid
    assert action["RecordingDuration"] == "4"
    assert action["Digits"] == "#"
    assert status["RecordingSid"] == result.recording_sid
    assert status["RecordingUrl"] == action["RecordingUrl"]
    assert status["RecordingStatus"] == "completed"
    assert status["RecordingDuration"] == "4"
    assert status["RecordingChannels"] == "1"
    assert status["RecordingSource"] == "RecordVerb"
    assert status["CallSid"] == result.call_sid
    assert status["AccountSid"] == ACCOUNT_SID
    assert re.fullmatch(
        r"\w{3}, \d{2} \w{3} \d{4} [\d:]{8} \+0000", status["RecordingStartTime"]
    )


def test_app_downloads_recording_and_texts_caller(
    cloud, ivr_url, ivr_state, speech_wav
):
    result = place_call(
        cloud, ivr_url, "/ivr/voice", presses=["1"], speak_path=speech_wav
    )

    messages = cloud.wait_for_messages(to=CALLER)
    assert ivr_state.downloads[result.recording_sid] == speech_wav.read_bytes()
    assert cloud.download_count(result.recording_sid) == 1
    assert len(messages) == 1
    assert (
        messages[0].body
        == f"LOKDON: pengaduan Anda tercatat, nomor {reference_for(result.call_sid)}."
    )


def test_call_status_callback_reports_duration(cloud, ivr_url, ivr_state, speech_wav):
    result = place_call(
        cloud, ivr_url, "/ivr/voice", presses=["1"], speak_path=speech_wav
    )

    status = ivr_state.hits_to("/ivr/status")[0].params
    callback = result.events_of("callback")[-1].data
    assert status["CallStatus"] == "completed"
    assert status["CallDuration"] == str(result.duration)
    assert result.duration >= 4
    assert callback["name"] == "call_status"
    assert callback["http_status"] == 204


def test_gather_timeout_continues_with_next_verb(cloud, ivr_url, ivr_state):
    result = place_call(cloud, ivr_url, "/ivr/voice")

    assert result.prompts == [WELCOME, NO_CHOICE]
    assert result.events_of("timeout")[0].data["seconds"] == 6
    assert request_paths(result) == ["/ivr/voice"]
    assert result.events_of("hangup")[0].data["by"] == "app"


def test_gather_finish_key_ends_input(cloud, ivr_url, ivr_state):
    ivr_state.documents["pin"] = (
        '<Response><Gather action="/doc/done" finishOnKey="*">'
        "<Say>Masukkan NIK.</Say></Gather></Response>"
    )
    ivr_state.documents["done"] = "<Response><Hangup/></Response>"

    place_call(cloud, ivr_url, "/doc/pin", presses=["1471*99"])

    assert ivr_state.hits_to("/doc/done")[0].params["Digits"] == "1471"


def test_action_on_empty_result_posts_empty_digits(cloud, ivr_url, ivr_state):
    ivr_state.documents["menu"] = (
        '<Response><Gather numDigits="1" actionOnEmptyResult="true" '
        'action="/doc/choice"><Say>Pilih.</Say></Gather><Say>Tidak dicapai.</Say>'
        "</Response>"
    )
    ivr_state.documents["choice"] = "<Response><Say>Pilihan kosong.</Say></Response>"

    result = place_call(cloud, ivr_url, "/doc/menu")

    assert ivr_state.hits_to("/doc/choice")[0].params["Digits"] == ""
    assert result.prompts == ["Pilih.", "Pilihan kosong."]
    assert result.events_of("hangup")[0].data["by"] == "end of document"


def test_relative_urls_resolve_against_document(cloud, ivr_url, ivr_state):
    ivr_state.documents["flows/a/start"] = (
        "<Response><Redirect>step</Redirect></Response>"
    )
    ivr_state.documents["flows/a/step"] = (
        '<Response><Gather numDigits="1" action="../b/end"><Say>Satu?</Say></Gather>'
        "</Response>"
    )
    ivr_state.documents["flows/b/end"] = "<Response><Say>Selesai.</Say></Response>"

    result = place_call(cloud, ivr_url, "/doc/flows/a/start", presses=["1"])

    assert request_paths(result) == [
        "/doc/flows/a/start",
        "/doc/flows/a/step",
        "/doc/flows/b/end",
    ]


def test_redirect_get_signs_query_string(cloud, ivr_url, ivr_state):
    ivr_state.documents["start"] = (
        '<Response><Redirect method="GET">/doc/next?step=2</Redirect></Response>'
    )
    ivr_state.documents["next"] = "<Response><Hangup/></Response>"

    result = place_call(cloud, ivr_url, "/doc/start")

    hit = ivr_state.hits_to("/doc/next")[0]
    assert result.errors == []
    assert hit.method == "GET"
    assert hit.signature_valid is True
    assert hit.params["step"] == "2"
    assert hit.params["From"] == CALLER


def test_silent_record_skips_action(cloud, ivr_url, ivr_state):
    result = place_call(cloud, ivr_url, "/ivr/voice", presses=["1"])

    assert request_paths(result) == ["/ivr/voice", "/ivr/menu"]
    assert result.prompts == [WELCOME, RECORD_PROMPT, NOT_HEARD]
    assert result.recording_sid is None
    assert ivr_state.hits_to("/ivr/recording-status") == []


def test_hangup_during_record_ignores_action_twiml(
    cloud, ivr_url, ivr_state, speech_wav
):
    result = place_call(
        cloud,
        ivr_url,
        "/ivr/voice",
        presses=["1"],
        speak_path=speech_wav,
        hangup_during_record=True,
    )

    action = ivr_state.hits_to("/ivr/recorded")[0].params
    assert action["Digits"] == "hangup"
    assert action["CallStatus"] == "completed"
    assert result.prompts == [WELCOME, RECORD_PROMPT]
    assert len(ivr_state.hits_to("/ivr/recording-status")) == 1
    assert result.events_of("hangup")[0].data["by"] == "caller"
    assert result.errors == []


def test_record_without_hash_key_ends_by_hangup(cloud, ivr_url, ivr_state, speech_wav):
    ivr_state.documents["record"] = (
        '<Response><Record finishOnKey="*" action="/doc/after"/></Response>'
    )
    ivr_state.documents["after"] = "<Response><Say>Tidak terdengar.</Say></Response>"

    result = place_call(cloud, ivr_url, "/doc/record", speak_path=speech_wav)

    assert ivr_state.hits_to("/doc/after")[0].params["Digits"] == "hangup"
    assert result.prompts == []


def test_duplicate_callbacks_arrive_concurrently(cloud, ivr_url, ivr_state, speech_wav):
    # The app's handler waits for a second request; a sequential second copy
    # would break the barrier and turn both responses into errors.
    ivr_state.callback_barrier = threading.Barrier(2, timeout=5)

    result = place_call(
        cloud,
        ivr_url,
        "/ivr/voice",
        presses=["1"],
        speak_path=speech_wav,
        duplicate_callbacks=True,
    )

    hits = ivr_state.hits_to("/ivr/recording-status")
    callbacks = [
        e for e in result.events_of("callback") if e.data["name"] == "recording_status"
    ]
    assert len(hits) == 2
    assert hits[0].params == hits[1].params
    assert hits[0].idempotency_token == hits[1].idempotency_token
    assert [c.data["http_status"] for c in callbacks] == [204, 204]
    assert len(cloud.wait_for_messages(to=CALLER, timeout=2)) == 1


def test_recording_duration_capped_at_max_length(cloud, ivr_url, ivr_state, speech_wav):
    ivr_state.documents["short"] = (
        '<Response><Record maxLength="2" action="/doc/done"/></Response>'
    )
    ivr_state.documents["done"] = "<Response/>"

    result = place_call(cloud, ivr_url, "/doc/short", speak_path=speech_wav)

    assert ivr_state.hits_to("/doc/done")[0].params["RecordingDuration"] == "2"
    assert result.events_of("recording")[0].data["duration"] == 2


def test_empty_speak_file_records_zero_seconds(cloud, ivr_url, ivr_state, tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")

    result = place_call(cloud, ivr_url, "/ivr/voice", presses=["1"], speak_path=empty)

    assert ivr_state.hits_to("/ivr/recorded")[0].params["RecordingDuration"] == "0"
    assert cloud.recording(result.recording_sid).data == b""


def test_recording_ready_after_not_ready_fetches(cloud, ivr_url, ivr_state, speech_wav):
    result = place_call(
        cloud,
        ivr_url,
        "/ivr/voice",
        presses=["1"],
        speak_path=speech_wav,
        recording_not_ready_requests=2,
    )

    assert ivr_state.download_statuses == [404, 404, 200]
    assert ivr_state.downloads[result.recording_sid] == speech_wav.read_bytes()
    assert cloud.download_count(result.recording_sid) == 1


@pytest.mark.parametrize(
    ("path", "document", "code"),
    [
        ("/ivr/broken", None, 11200),
        ("/ivr/page", None, 12300),
        ("/doc/unclosed", "<Response><Say>Halo</Response>", 12100),
        ("/doc/root", "<Reply><Say>Halo</Say></Reply>", 12100),
        ("/doc/verb", "<Response><Speak>Halo</Speak></Response>", 12200),
        ("/doc/nested", "<Response><Gather><Record/></Gather></Response>", 12200),
    ],
)
def test_application_error_hangs_up(cloud, ivr_url, ivr_state, path, document, code):
    if document is not None:
        ivr_state.documents[path.removeprefix("/doc/")] = document

    result = place_call(cloud, ivr_url, path)

    error = result.events_of("error")[0].data
    assert error["code"] == code
    assert result.events_of("hangup")[0].data["by"] == "application error"
    assert ivr_state.hits_to("/ivr/status")[0].params["CallStatus"] == "completed"


def test_loop_guard_stops_redirect_loop(cloud, ivr_url, ivr_state):
    ivr_state.documents["loop"] = "<Response><Redirect>/doc/loop</Redirect></Response>"

    result = place_call(cloud, ivr_url, "/doc/loop", max_steps=5)

    assert len(result.events_of("request")) == 5
    assert "more than 5 TwiML documents" in result.errors[0]


def test_reject_first_leaves_call_unanswered(cloud, ivr_url, ivr_state):
    ivr_state.documents["reject"] = (
        '<Response><Reject reason="busy"/><Say>X</Say></Response>'
    )

    result = place_call(cloud, ivr_url, "/doc/reject")

    assert result.status == "busy"
    assert result.duration == 0
    assert result.prompts == []
    assert ivr_state.hits_to("/ivr/status")[0].params["CallStatus"] == "busy"


def test_unsimulated_verb_ends_call_with_error(cloud, ivr_url, ivr_state):
    ivr_state.documents["dial"] = (
        "<Response><Say>Sambung.</Say><Dial>+62761000</Dial></Response>"
    )

    result = place_call(cloud, ivr_url, "/doc/dial")

    assert result.prompts == ["Sambung."]
    assert "<Dial> is valid TwiML" in result.errors[0]


def test_pause_and_play_are_recorded(cloud, ivr_url, ivr_state):
    ivr_state.documents["media"] = (
        '<Response><Pause length="3"/><Play loop="2">/static/nada.wav</Play></Response>'
    )

    result = place_call(cloud, ivr_url, "/doc/media")

    assert result.events_of("pause")[0].data["length"] == 3
    assert result.events_of("play")[0].data["url"] == ivr_url + "/static/nada.wav"
    assert result.events_of("play")[0].data["loop"] == 2
    assert result.duration == 3


def test_on_event_receives_events_in_order(cloud, ivr_url):
    seen = []

    result = SimulatedCall(
        cloud, ivr_url + "/ivr/voice", CALLER, HOTLINE, on_event=seen.append
    ).run()

    assert seen == result.events
    assert [event.kind for event in seen] == [
        "request",
        "say",
        "timeout",
        "say",
        "hangup",
    ]


def test_invalid_presses_rejected(cloud):
    with pytest.raises(SimulatorConfigError, match="keypad"):
        SimulatedCall(
            cloud, "http://127.0.0.1:1/ivr/voice", CALLER, HOTLINE, presses=["1a"]
        )


def test_audio_duration_reads_wav_and_bad_files(tmp_path: Path):
    tone = write_tone(tmp_path / "tone.wav", 2.5)
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"not audio" * 50)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")

    assert audio_duration_seconds(tone) == pytest.approx(2.5, abs=0.01)
    assert audio_duration_seconds(garbage) == 0.0
    assert audio_duration_seconds(empty) == 0.0


def test_whole_seconds_rounds_up():
    assert whole_seconds(3.2) == 4
    assert whole_seconds(4.0) == 4
    assert whole_seconds(0.0) == 0
    assert whole_seconds(0.1) == 1


def test_unreachable_app_is_connection_failure(cloud):
    url = f"http://127.0.0.1:{free_port()}/ivr/voice"

    result = run_call(cloud, url, CALLER, HOTLINE)

    assert result.events_of("error")[0].data["code"] == 11205
    assert result.events_of("request")[0].data["http_status"] is None
