"""Tests of decoding recordings with PyAV into PCM at the model's sample rate."""

import math
import random
import wave
from pathlib import Path

import av.error
import numpy as np
import pytest

from speech import (
    DecodedAudio,
    EmptyAudioError,
    UnreadableAudioError,
    decode_audio,
    is_silent,
)

MODEL_RATE = 16000

# Length in seconds of the WAV each file was encoded from by
# scripts/make_test_speech.sh (measured with soxi), and the format PyAV reports.
RECORDINGS = [
    ("ktp.wav", 9.381, "wav/pcm_s16le"),
    ("kk.wav", 8.1415, "wav/pcm_s16le"),
    ("akta_mulaw.wav", 8.02025, "wav/pcm_mulaw"),
    ("pindah.mp3", 8.319, "mp3/mp3"),
    ("voice_note.ogg", 5.758639, "ogg/opus"),
    ("silence.wav", 5.0, "wav/pcm_s16le"),
]


def write_sine_wav(path: Path, amplitude: float, seconds: float, rate: int) -> None:
    """Write a 1 kHz sine of `amplitude` (fraction of full scale) as 16-bit PCM WAV."""
    times = np.arange(round(seconds * rate)) / rate
    samples = np.round(amplitude * 32767 * np.sin(2 * np.pi * 1000 * times))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())


@pytest.mark.parametrize(("name", "seconds", "source_format"), RECORDINGS)
def test_decode_resamples_to_model_rate(
    data_dir: Path, name: str, seconds: float, source_format: str
) -> None:
    audio = decode_audio(data_dir / name, MODEL_RATE)

    assert audio.sample_rate == MODEL_RATE
    assert audio.source_format == source_format
    assert audio.duration_seconds == pytest.approx(seconds, abs=0.2)
    assert len(audio.pcm) == round(audio.duration_seconds * MODEL_RATE) * 2
    assert audio.truncated is False


def test_decode_at_file_rate_keeps_samples(data_dir: Path) -> None:
    with wave.open(str(data_dir / "ktp.wav"), "rb") as wav:
        rate = wav.getframerate()
        frames = wav.readframes(wav.getnframes())

    audio = decode_audio(data_dir / "ktp.wav", rate)

    assert rate == 8000
    assert audio.pcm == frames
    assert audio.duration_seconds == len(frames) / 2 / rate


def test_decode_empty_file_raises(data_dir: Path) -> None:
    with pytest.raises(EmptyAudioError) as raised:
        decode_audio(data_dir / "empty.wav", MODEL_RATE)

    assert "empty.wav has zero bytes" in str(raised.value)


def test_decode_garbage_raises_unreadable(data_dir: Path) -> None:
    with pytest.raises(UnreadableAudioError) as raised:
        decode_audio(data_dir / "garbage.wav", MODEL_RATE)

    assert "garbage.wav is not a readable audio file" in str(raised.value)
    assert isinstance(raised.value.__cause__, av.error.InvalidDataError)


def test_decode_wav_without_samples_raises(tmp_path: Path) -> None:
    header_only = tmp_path / "header_only.wav"
    with wave.open(str(header_only), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)

    with pytest.raises(EmptyAudioError) as raised:
        decode_audio(header_only, MODEL_RATE)

    assert header_only.stat().st_size == 44
    assert "header_only.wav (wav/pcm_s16le) contains no audio samples" in str(
        raised.value
    )


def test_decode_file_without_audio_stream_raises(tmp_path: Path) -> None:
    subtitles = tmp_path / "caption.vtt"
    subtitles.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHalo\n", encoding="utf-8")

    with pytest.raises(UnreadableAudioError) as raised:
        decode_audio(subtitles, MODEL_RATE)

    assert "contains no audio stream" in str(raised.value)


def test_decode_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        decode_audio(tmp_path / "RE0123.wav", MODEL_RATE)


def test_decode_rejects_invalid_limits(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        decode_audio(data_dir / "ktp.wav", 0)

    with pytest.raises(ValueError, match="max_seconds"):
        decode_audio(data_dir / "ktp.wav", MODEL_RATE, max_seconds=0)


def test_decode_cut_off_wav_is_truncated(data_dir: Path) -> None:
    audio = decode_audio(data_dir / "truncated.wav", MODEL_RATE)

    # 40,000 bytes of 8 kHz 16-bit data remain of the 8.14 s the header declares.
    assert audio.truncated is True
    assert audio.duration_seconds == pytest.approx(2.5, abs=0.01)
    assert len(audio.pcm) % 2 == 0
    assert is_silent(audio) is False


def test_decode_cut_off_mp3_is_truncated(data_dir: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp3"
    cut.write_bytes((data_dir / "pindah.mp3").read_bytes()[:9000])

    audio = decode_audio(cut, MODEL_RATE)

    assert audio.truncated is True
    assert 3.0 < audio.duration_seconds < 5.0


def test_decode_corrupt_mp3_keeps_decoded_start(data_dir: Path, tmp_path: Path) -> None:
    data = bytearray((data_dir / "pindah.mp3").read_bytes())
    noise = random.Random(1)
    for index in range(8000, 9000):
        data[index] = noise.randrange(256)

    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(bytes(data))

    audio = decode_audio(corrupt, MODEL_RATE)

    assert audio.truncated is True
    assert 3.0 < audio.duration_seconds < 5.0
    assert audio.source_format == "mp3/mp3"


def test_decode_stops_at_max_seconds(data_dir: Path) -> None:
    audio = decode_audio(data_dir / "ktp.wav", MODEL_RATE, max_seconds=3.0)

    assert audio.truncated is True
    assert audio.duration_seconds == 3.0
    assert len(audio.pcm) == 3 * MODEL_RATE * 2


def test_silence_is_silent(data_dir: Path) -> None:
    audio = decode_audio(data_dir / "silence.wav", MODEL_RATE)

    assert audio.peak_dbfs == -math.inf
    assert is_silent(audio) is True


def test_speech_is_not_silent(data_dir: Path) -> None:
    audio = decode_audio(data_dir / "ktp.wav", MODEL_RATE)

    # The script normalises speech to a -3 dBFS sample peak, so RMS levels are lower.
    assert -20.0 < audio.peak_dbfs < -3.0
    assert is_silent(audio) is False


@pytest.mark.parametrize(
    ("amplitude", "expected_dbfs", "silent"),
    [(0.5, -9.03, False), (0.003, -53.48, True)],
)
def test_peak_dbfs_of_sine(
    tmp_path: Path, amplitude: float, expected_dbfs: float, silent: bool
) -> None:
    # The RMS of a sine is its amplitude / sqrt(2), 3.01 dB below its peak.
    tone = tmp_path / "tone.wav"
    write_sine_wav(tone, amplitude, seconds=1.0, rate=8000)

    audio = decode_audio(tone, 8000)

    assert audio.peak_dbfs == pytest.approx(expected_dbfs, abs=0.05)
    assert is_silent(audio) is silent
    assert is_silent(audio, threshold_dbfs=-60.0) is False


def test_is_silent_compares_with_threshold() -> None:
    audio = DecodedAudio(
        pcm=b"\x00\x01" * 160,
        sample_rate=8000,
        duration_seconds=0.02,
        source_format="wav/pcm_s16le",
        truncated=False,
        peak_dbfs=-45.0,
    )

    assert is_silent(audio) is False
    assert is_silent(audio, threshold_dbfs=-44.9) is True
