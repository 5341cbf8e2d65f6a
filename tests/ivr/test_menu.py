"""The topic menu: greeting, keys, repeats, wrong keys and silence."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from models import Call, db
from tests.twiml import parse_twiml, spoken, verbs
from tests.webhooks import PUBLIC_BASE_URL, call_params, twilio_post

CALL_SID = "CA" + "a" * 32


def test_welcome_greets_and_reads_menu(client: FlaskClient) -> None:
    root = parse_twiml(twilio_post(client, "/ivr/voice", call_params(CALL_SID)))

    assert verbs(root) == ["Say", "Say", "Gather", "Redirect"]
    texts = spoken(root)
    assert (
        "Disdukcapil" in texts[0]
        or "Kependudukan dan Pencatatan Sipil Kota Pekanbaru" in texts[0]
    )
    assert "direkam" in texts[1]
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("numDigits") == "1"
    assert gather.get("input") == "dtmf"
    assert gather.get("action") == "/ivr/menu/choice?invalid=0"
    menu_texts = spoken(gather)
    assert "Untuk KTP elektronik, tekan 1." in menu_texts
    assert "Untuk Kartu Keluarga, tekan 2." in menu_texts
    assert any("tekan 9" in text for text in menu_texts)
    assert root.find("Redirect").text == "/ivr/menu?silent=1&invalid=0"


def test_prompts_use_configured_voice(client: FlaskClient) -> None:
    root = parse_twiml(twilio_post(client, "/ivr/voice", call_params(CALL_SID)))

    for say in root.iter("Say"):
        assert say.get("voice") == "Google.id-ID-Standard-A"
        assert say.get("language") == "id-ID"


def test_welcome_stores_call_once(client: FlaskClient) -> None:
    twilio_post(client, "/ivr/voice", call_params(CALL_SID))
    twilio_post(client, "/ivr/voice", call_params(CALL_SID))

    with db.session_scope() as session:
        calls = session.scalars(select(Call)).all()
    assert len(calls) == 1
    assert calls[0].caller_number == "+6281200000001"
    assert calls[0].ivr_step == "menu"


def test_menu_repeats_on_nine(client: FlaskClient) -> None:
    params = call_params(CALL_SID, Digits="9")
    root = parse_twiml(twilio_post(client, "/ivr/menu/choice?invalid=0", params))

    assert verbs(root) == ["Gather", "Redirect"]
    assert "Silakan pilih topik pengaduan Anda." in spoken(root.find("Gather"))


def test_menu_repeats_on_invalid_digit(client: FlaskClient) -> None:
    params = call_params(CALL_SID, Digits="8")
    root = parse_twiml(twilio_post(client, "/ivr/menu/choice?invalid=0", params))

    assert verbs(root) == ["Say", "Gather", "Redirect"]
    assert spoken(root)[0] == "Maaf, pilihan yang Anda tekan tidak tersedia."
    assert root.find("Gather").get("action") == "/ivr/menu/choice?invalid=1"


def test_third_invalid_digit_goes_to_recording(client: FlaskClient) -> None:
    params = call_params(CALL_SID, Digits="7")
    root = parse_twiml(twilio_post(client, "/ivr/menu/choice?invalid=2", params))

    assert verbs(root) == ["Say", "Redirect"]
    assert root.find("Redirect").text == "/ivr/record?fallback=invalid"


def test_first_silence_repeats_menu_with_apology(client: FlaskClient) -> None:
    root = parse_twiml(
        twilio_post(client, "/ivr/menu?silent=1&invalid=0", call_params(CALL_SID))
    )

    assert verbs(root) == ["Say", "Gather", "Redirect"]
    assert spoken(root)[0] == "Maaf, kami belum menerima pilihan Anda."
    assert root.find("Redirect").text == "/ivr/record?fallback=no_input"


def test_second_silence_records_under_fallback_topic(client: FlaskClient) -> None:
    twilio_post(client, "/ivr/voice", call_params(CALL_SID))
    root = parse_twiml(
        twilio_post(client, "/ivr/record?fallback=no_input", call_params(CALL_SID))
    )

    assert verbs(root) == ["Say", "Say", "Record", "Redirect"]
    assert "pengaduan lainnya" in spoken(root)[0]
    with db.session_scope() as session:
        call = session.scalars(select(Call).where(Call.call_sid == CALL_SID)).one()
    assert call.topic == "lainnya"


def test_topic_key_starts_recording(client: FlaskClient) -> None:
    twilio_post(client, "/ivr/voice", call_params(CALL_SID))
    params = call_params(CALL_SID, Digits="2")
    root = parse_twiml(twilio_post(client, "/ivr/menu/choice?invalid=0", params))

    assert verbs(root) == ["Say", "Record", "Redirect"]
    assert spoken(root)[0].startswith("Sampaikan pengaduan Anda setelah nada.")
    record = root.find("Record")
    assert record.get("maxLength") == "180"
    assert record.get("finishOnKey") == "#"
    assert record.get("action") == "/ivr/recorded"
    assert (
        record.get("recordingStatusCallback")
        == PUBLIC_BASE_URL + "/ivr/recording-status"
    )
    assert record.get("recordingStatusCallbackEvent") == "completed absent"
    assert root.find("Redirect").text == "/ivr/record?silent=1"
    with db.session_scope() as session:
        call = session.scalars(select(Call).where(Call.call_sid == CALL_SID)).one()
    assert call.topic == "kk"
    assert call.ivr_step == "recording"


def test_silent_recording_asks_again_then_gives_up(client: FlaskClient) -> None:
    twilio_post(client, "/ivr/voice", call_params(CALL_SID))
    twilio_post(client, "/ivr/menu/choice?invalid=0", call_params(CALL_SID, Digits="1"))
    root = parse_twiml(
        twilio_post(client, "/ivr/record?silent=1", call_params(CALL_SID))
    )

    assert (
        spoken(root)[0]
        == "Maaf, kami tidak mendengar suara Anda. Silakan coba sekali lagi."
    )
    assert root.find("Redirect").text == "/ivr/recorded?no_audio=1"
