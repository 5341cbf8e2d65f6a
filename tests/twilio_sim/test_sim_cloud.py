"""The simulated Twilio REST API: recordings, messages, credentials, start-up."""

from __future__ import annotations

import re
import socket

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.twilio_sim.sim_ivr import ACCOUNT_SID, AUTH_TOKEN, CALLER, HOTLINE
from twilio_sim.cloud import TwilioCloud
from twilio_sim.exceptions import CloudStartError, SimulatorConfigError
from twilio_sim.resources import count_segments

RECORDING_SID = "RE" + "ab" * 16
AUDIO = b"RIFF\x24\x00\x00\x00WAVEfmt sample"


def client_for(cloud: TwilioCloud, auth_token: str = AUTH_TOKEN) -> Client:
    client = Client(ACCOUNT_SID, auth_token)
    client.api.base_url = cloud.base_url
    return client


def get(cloud: TwilioCloud, suffix: str = "", auth=(ACCOUNT_SID, AUTH_TOKEN)):
    return requests.get(
        cloud.recording_url(RECORDING_SID) + suffix, auth=auth, timeout=5
    )


def messages_url(cloud: TwilioCloud) -> str:
    return f"{cloud.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def test_recording_served_with_basic_auth(cloud):
    cloud.register_recording(RECORDING_SID, AUDIO, "audio/x-wav")

    response = get(cloud)

    assert response.status_code == 200
    assert response.content == AUDIO
    assert response.headers["Content-Type"] == "audio/x-wav"


@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".WAV"])
def test_recording_suffix_serves_same_bytes(cloud, suffix):
    cloud.register_recording(RECORDING_SID, AUDIO, "audio/x-wav")

    response = get(cloud, suffix)

    assert response.status_code == 200
    assert response.content == AUDIO


def test_recording_not_ready_returns_404_first(cloud):
    cloud.register_recording(RECORDING_SID, AUDIO, not_ready_requests=2)

    statuses = [get(cloud).status_code for _ in range(3)]

    assert statuses == [404, 404, 200]
    assert cloud.download_count(RECORDING_SID) == 1
    assert cloud.recording(RECORDING_SID).fetch_count == 3


def test_recording_server_errors_then_audio(cloud):
    cloud.register_recording(RECORDING_SID, AUDIO)
    cloud.fail_recording_fetches(RECORDING_SID, 2)

    first, second, third = get(cloud), get(cloud), get(cloud)

    assert first.status_code == 500
    assert first.json()["code"] == 20500
    assert second.status_code == 500
    assert third.content == AUDIO
    assert cloud.download_count(RECORDING_SID) == 1


@pytest.mark.parametrize(
    "auth",
    [(ACCOUNT_SID, "wrong-token"), ("AC" + "00" * 16, AUTH_TOKEN), None],
)
def test_recording_wrong_credentials_401(cloud, auth):
    cloud.register_recording(RECORDING_SID, AUDIO)

    response = get(cloud, auth=auth)

    assert response.status_code == 401
    assert response.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert cloud.recording(RECORDING_SID).fetch_count == 0


def test_other_account_in_path_401(cloud):
    cloud.register_recording(RECORDING_SID, AUDIO)
    url = cloud.recording_url(RECORDING_SID).replace(ACCOUNT_SID, "AC" + "00" * 16)

    response = requests.get(url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)

    assert response.status_code == 401


def test_unknown_recording_404(cloud):
    response = get(cloud)

    body = response.json()
    assert response.status_code == 404
    assert body["code"] == 20404
    assert body["status"] == 404
    assert RECORDING_SID in body["message"]


def test_recording_resource_json(cloud):
    call_sid = "CA" + "cd" * 16
    cloud.register_recording(RECORDING_SID, AUDIO, call_sid=call_sid, duration=7)

    recording = client_for(cloud).recordings(RECORDING_SID).fetch()

    assert recording.sid == RECORDING_SID
    assert recording.call_sid == call_sid
    assert recording.duration == "7"
    assert recording.status == "completed"
    assert recording.source == "RecordVerb"
    assert cloud.download_count(RECORDING_SID) == 0


def test_deleted_recording_404(cloud):
    cloud.register_recording(RECORDING_SID, AUDIO)

    deleted = client_for(cloud).recordings(RECORDING_SID).delete()

    assert deleted is True
    assert get(cloud).status_code == 404
    assert cloud.recording(RECORDING_SID).deleted is True


def test_wait_for_download_times_out_then_succeeds(cloud):
    cloud.register_recording(RECORDING_SID, AUDIO)

    before = cloud.wait_for_download(RECORDING_SID, timeout=0.05)
    get(cloud)
    after = cloud.wait_for_download(RECORDING_SID, timeout=0.05)

    assert before is False
    assert after is True


def test_message_create_parsed_by_twilio_client(cloud):
    message = client_for(cloud).messages.create(
        to=CALLER, from_=HOTLINE, body="Nomor pengaduan Anda LK-7Q2X9B."
    )

    assert re.fullmatch("SM[0-9a-f]{32}", message.sid)
    assert message.account_sid == ACCOUNT_SID
    assert message.to == CALLER
    assert message.from_ == HOTLINE
    assert message.body == "Nomor pengaduan Anda LK-7Q2X9B."
    assert message.status == "queued"
    assert message.direction == "outbound-api"
    assert message.num_segments == "1"
    assert message.date_created is not None
    assert (
        message.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message.sid}.json"
    )
    assert [m.sid for m in cloud.messages] == [message.sid]


def test_message_create_returns_201(cloud):
    response = requests.post(
        messages_url(cloud),
        data={"To": CALLER, "From": HOTLINE, "Body": "Halo"},
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )

    assert response.status_code == 201
    assert response.json()["status"] == "queued"


@pytest.mark.parametrize(
    ("form", "code", "message"),
    [
        ({"From": HOTLINE, "Body": "Halo"}, 21604, "A 'To' phone number is required."),
        ({"To": CALLER, "From": HOTLINE}, 21602, "Message body is required."),
        ({"To": CALLER, "Body": "Halo"}, 21603, "A 'From' phone number is required."),
        (
            {"To": "0812", "From": HOTLINE, "Body": "Halo"},
            21211,
            "Invalid 'To' Phone Number: 0812",
        ),
    ],
)
def test_message_invalid_request_400(cloud, form, code, message):
    response = requests.post(
        messages_url(cloud), data=form, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": 400,
    }
    assert cloud.messages == []


def test_message_error_raised_by_twilio_client(cloud):
    with pytest.raises(TwilioRestException) as raised:
        client_for(cloud).messages.create(to=CALLER, from_=HOTLINE, body="")

    assert raised.value.status == 400
    assert raised.value.code == 21602


def test_message_wrong_token_401(cloud):
    with pytest.raises(TwilioRestException) as raised:
        client_for(cloud, "wrong-token").messages.create(
            to=CALLER, from_=HOTLINE, body="Halo"
        )

    assert raised.value.status == 401
    assert raised.value.code == 20003


def test_message_status_callbacks_signed(cloud, ivr_url, ivr_state):
    message = client_for(cloud).messages.create(
        to=CALLER,
        from_=HOTLINE,
        body="Halo",
        status_callback=ivr_url + "/ivr/sms-status",
    )

    callbacks = cloud.wait_for_message_callbacks(message.sid)

    hits = ivr_state.hits_to("/ivr/sms-status")
    assert [hit.params["MessageStatus"] for hit in hits] == ["sent", "delivered"]
    assert [hit.params["SmsStatus"] for hit in hits] == ["sent", "delivered"]
    assert all(hit.signature_valid for hit in hits)
    assert hits[0].params["MessageSid"] == message.sid
    assert hits[0].params["AccountSid"] == ACCOUNT_SID
    assert hits[0].params["To"] == CALLER
    assert hits[0].params["From"] == HOTLINE
    assert callbacks == [
        {"status": "sent", "http_status": 204},
        {"status": "delivered", "http_status": 204},
    ]
    assert client_for(cloud).messages(message.sid).fetch().status == "delivered"


def test_message_without_callback_stays_queued(cloud):
    message = client_for(cloud).messages.create(to=CALLER, from_=HOTLINE, body="Halo")

    assert cloud.find_message(message.sid).status == "queued"
    assert cloud.find_message(message.sid).callbacks == []


def test_wait_for_messages_filters_by_number(cloud):
    client = client_for(cloud)
    client.messages.create(to=CALLER, from_=HOTLINE, body="Satu")
    client.messages.create(to="+6281200000001", from_=HOTLINE, body="Dua")

    to_caller = cloud.wait_for_messages(to=CALLER, count=1, timeout=1)
    too_few = cloud.wait_for_messages(to=CALLER, count=2, timeout=0.05)

    assert [m.body for m in to_caller] == ["Satu"]
    assert len(too_few) == 1


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("é" * 160, 1),
        ("ê" * 70, 1),
        ("ê" * 71, 2),
    ],
)
def test_count_segments_gsm7_and_ucs2(body, segments):
    assert count_segments(body) == segments


def test_port_in_use_names_port_and_setting():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(CloudStartError) as raised:
            TwilioCloud(f"http://127.0.0.1:{port}", ACCOUNT_SID, AUTH_TOKEN).start()

    assert str(port) in str(raised.value)
    assert "TWILIO_API_BASE_URL" in str(raised.value)


def test_start_and_stop_release_port():
    cloud = TwilioCloud("http://127.0.0.1:0", ACCOUNT_SID, AUTH_TOKEN).start()
    port = cloud.port
    cloud.stop()

    with TwilioCloud(f"http://127.0.0.1:{port}", ACCOUNT_SID, AUTH_TOKEN) as again:
        assert again.port == port


@pytest.mark.parametrize("base_url", ["https://127.0.0.1:8070", "127.0.0.1:8070", ""])
def test_invalid_base_url_rejected(base_url):
    with pytest.raises(SimulatorConfigError, match="TWILIO_API_BASE_URL"):
        TwilioCloud(base_url, ACCOUNT_SID, AUTH_TOKEN)


def test_missing_credentials_rejected():
    with pytest.raises(SimulatorConfigError, match="TWILIO_AUTH_TOKEN"):
        TwilioCloud("http://127.0.0.1:0", ACCOUNT_SID, "")
