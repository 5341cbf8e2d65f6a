"""Tests of serving recordings to browsers as they are or as cached MP3 copies."""

import os
import shutil
import threading
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from speech import EmptyAudioError, UnreadableAudioError, playable
from speech.playable import AAC, PlayableAudio, playable_audio

# Recordings browsers play without transcoding, and the MIME type each is served as.
SERVED_AS_IS = [
    ("ktp.wav", "audio/wav"),
]

# Recordings transcoded to MP3, and the sample rate of each copy: 16 kHz at least, so
# no copy is MPEG-2.5. The voice note decodes at 48 kHz but was captured at 16 kHz, as
# its OpusHead header states; the 8 kHz MP3 is transcoded for the same reason.
TRANSCODED = [
    ("akta_mulaw.wav", 16000),
    ("voice_note.ogg", 16000),
    ("pindah.mp3", 16000),
]


def decoded_seconds(path: Path) -> float:
    """Decode the first audio stream with PyAV and return its length in seconds."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.codec_context.sample_rate


def cache_files(cache_dir: Path) -> list[str]:
    """Return the names in cache_dir, leaving out the lock files that stay there."""
    if not cache_dir.exists():
        return []

    return sorted(
        path.name for path in cache_dir.iterdir() if not path.name.endswith(".lock")
    )


def write_stereo_u8_wav(source: Path, path: Path, rate: int) -> None:
    """Write the speech of a 16-bit mono WAV as 8-bit stereo at `rate` Hz."""
    with wave.open(str(source), "rb") as wav:
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")

    unsigned = ((samples.astype(np.int32) >> 8) + 128).astype(np.uint8)
    # The right channel is silent, so a downmix that dropped the left one would
    # produce silence.
    stereo = np.column_stack([unsigned, np.full_like(unsigned, 128)])
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(1)
        wav.setframerate(rate)
        wav.writeframes(stereo.tobytes())


@pytest.mark.parametrize(("name", "mimetype"), SERVED_AS_IS)
def test_pcm_wav_and_mp3_served_as_is(
    data_dir: Path, tmp_path: Path, name: str, mimetype: str
) -> None:
    cache_dir = tmp_path / "cache"

    audio = playable_audio(data_dir / name, cache_dir)

    assert audio == PlayableAudio(
        path=data_dir / name, mimetype=mimetype, transcoded=False
    )
    assert not cache_dir.exists()


@pytest.mark.parametrize(("name", "sample_rate"), TRANSCODED)
def test_transcoded_copy_is_mono_mp3(
    data_dir: Path, tmp_path: Path, name: str, sample_rate: int
) -> None:
    source = data_dir / name

    audio = playable_audio(source, tmp_path)

    assert audio.path == tmp_path / f"{source.stem}.mp3"
    assert audio.mimetype == "audio/mpeg"
    assert audio.transcoded is True
    with av.open(str(audio.path)) as container:
        codec_context = container.streams.audio[0].codec_context
        assert container.format.name == "mp3"
        assert codec_context.codec.canonical_name == "mp3"
        assert codec_context.sample_rate == sample_rate
        assert codec_context.layout.nb_channels == 1

    assert decoded_seconds(audio.path) == pytest.approx(
        decoded_seconds(source), abs=0.1
    )
    assert cache_files(tmp_path) == [audio.path.name]


def test_transcoded_copy_readable_by_others(data_dir: Path, tmp_path: Path) -> None:
    audio = playable_audio(data_dir / "akta_mulaw.wav", tmp_path)

    assert audio.path.stat().st_mode & 0o777 == 0o644


def test_other_format_downmixed_to_nearest_rate(data_dir: Path, tmp_path: Path) -> None:
    # 8-bit PCM is not in the served-as-is list; copies are written at 16 kHz or more.
    source = tmp_path / "stereo.wav"
    write_stereo_u8_wav(data_dir / "ktp.wav", source, rate=11000)

    audio = playable_audio(source, tmp_path / "cache")

    assert audio.transcoded is True
    with av.open(str(audio.path)) as container:
        codec_context = container.streams.audio[0].codec_context
        assert codec_context.sample_rate == 16000
        assert codec_context.layout.nb_channels == 1
        samples = np.concatenate(
            [frame.to_ndarray().ravel() for frame in container.decode(audio=0)]
        )

    assert np.abs(samples).max() > 0.1
    assert decoded_seconds(audio.path) == pytest.approx(
        decoded_seconds(source), abs=0.1
    )


def test_second_call_reuses_cached_copy(data_dir: Path, tmp_path: Path) -> None:
    source = data_dir / "voice_note.ogg"
    first = playable_audio(source, tmp_path)
    written_ns = first.path.stat().st_mtime_ns
    content = first.path.read_bytes()

    second = playable_audio(source, tmp_path)

    assert second == first
    assert second.path.stat().st_mtime_ns == written_ns
    assert second.path.read_bytes() == content


def test_copy_older_than_source_transcoded_again(
    data_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "akta_mulaw.wav"
    shutil.copyfile(data_dir / "akta_mulaw.wav", source)
    cache_dir = tmp_path / "cache"
    first = playable_audio(source, cache_dir)
    written_ns = first.path.stat().st_mtime_ns
    # A recording downloaded again gets a newer mtime than its cached copy.
    os.utime(source, ns=(written_ns + 10**9, written_ns + 10**9))

    second = playable_audio(source, cache_dir)

    assert second.path == first.path
    assert second.path.stat().st_mtime_ns > written_ns
    assert cache_files(cache_dir) == ["akta_mulaw.mp3"]


def test_concurrent_callers_transcode_once(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = data_dir / "akta_mulaw.wav"
    target = tmp_path / "akta_mulaw.mp3"
    transcode = playable._transcode
    calls: list[Path] = []
    written = threading.Event()
    release = threading.Event()

    def transcode_then_wait(*args: object) -> float:
        # The first caller stops after writing its temporary file, before renaming.
        calls.append(Path(str(args[1])))
        seconds = transcode(*args)  # type: ignore[arg-type]
        written.set()
        release.wait(timeout=10)
        return seconds

    monkeypatch.setattr(playable, "_transcode", transcode_then_wait)
    results: dict[str, PlayableAudio] = {}

    def call(name: str) -> None:
        results[name] = playable_audio(source, tmp_path)

    first = threading.Thread(target=call, args=("first",))
    first.start()
    assert written.wait(timeout=10)
    second = threading.Thread(target=call, args=("second",))
    second.start()
    second.join(timeout=0.5)

    assert second.is_alive()
    assert not target.exists()
    assert calls[0].parent == tmp_path
    assert calls[0].name.endswith(".part")

    release.set()
    first.join(timeout=10)
    second.join(timeout=10)

    assert len(calls) == 1
    assert results["first"] == results["second"]
    assert results["second"].path == target
    assert decoded_seconds(target) == pytest.approx(8.02, abs=0.1)
    assert cache_files(tmp_path) == ["akta_mulaw.mp3"]


def test_failed_transcode_leaves_no_file(data_dir: Path, tmp_path: Path) -> None:
    # A mu-law WAV cut right after its header opens, then decodes to no samples.
    wav = (data_dir / "akta_mulaw.wav").read_bytes()
    source = tmp_path / "header_only.wav"
    source.write_bytes(wav[: wav.index(b"data") + 8])
    cache_dir = tmp_path / "cache"

    with pytest.raises(EmptyAudioError, match="header_only.wav"):
        playable_audio(source, cache_dir)

    assert cache_files(cache_dir) == []


def test_empty_file_raises_empty_audio_error(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(EmptyAudioError, match="empty.wav"):
        playable_audio(data_dir / "empty.wav", tmp_path)

    assert cache_files(tmp_path) == []


def test_garbage_raises_unreadable_audio_error(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UnreadableAudioError, match="garbage.wav"):
        playable_audio(data_dir / "garbage.wav", tmp_path)

    assert cache_files(tmp_path) == []


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        playable_audio(tmp_path / "missing.wav", tmp_path)


@pytest.mark.parametrize(("name", "sample_rate"), TRANSCODED)
def test_aac_fallback_writes_faststart_mp4(
    data_dir: Path, tmp_path: Path, name: str, sample_rate: int
) -> None:
    # AAC is the encoding when the PyAV wheel lacks libmp3lame.
    source = data_dir / name
    target = tmp_path / f"{source.stem}.m4a"

    playable._transcode_atomically(source, target, AAC)

    with av.open(str(target)) as container:
        codec_context = container.streams.audio[0].codec_context
        assert "mp4" in container.format.name
        assert codec_context.codec.canonical_name == "aac"
        assert codec_context.sample_rate == sample_rate
        assert codec_context.layout.nb_channels == 1

    assert decoded_seconds(target) == pytest.approx(decoded_seconds(source), abs=0.1)
    content = target.read_bytes()
    assert content.index(b"moov") < content.index(b"mdat")
    assert cache_files(tmp_path) == [target.name]
