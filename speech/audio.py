"""Decode recordings with PyAV (FFmpeg) into 16-bit mono PCM at a model's sample rate.

Twilio delivers WAV (16-bit PCM or mu-law), MP3, or Ogg/Opus for WhatsApp voice notes.
"""

import logging
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import av.container
import av.error
import numpy as np

from speech.exceptions import EmptyAudioError, UnreadableAudioError

logger = logging.getLogger(__name__)

# Decoding stops after this many seconds, so that a huge upload cannot exhaust memory.
MAX_SECONDS = 900.0

# Length of the windows whose RMS level gives DecodedAudio.peak_dbfs.
PEAK_WINDOW_SECONDS = 0.02

# A recording shorter than the length its header declares by more than this was cut
# off. Encoder delay and Opus pre-skip account for differences of a few milliseconds.
DURATION_TOLERANCE_SECONDS = 0.25

# Level of a full-scale 16-bit sample, the reference of dBFS.
_FULL_SCALE = 32768.0

# Windows per block when computing levels, so long recordings are not copied at once.
_WINDOWS_PER_BLOCK = 3000

# WAV headers written while streaming use these data sizes for "unknown length".
_WAV_UNKNOWN_SIZES = (0, 0xFFFFFFFF)


@dataclass(frozen=True)
class DecodedAudio:
    """Audio of one recording, ready to feed to a Vosk recognizer."""

    # Signed 16-bit little-endian mono samples at sample_rate.
    pcm: bytes
    sample_rate: int
    duration_seconds: float
    # Container and codec as PyAV names them, e.g. "wav/pcm_mulaw" or "mp3/mp3".
    source_format: str
    # True when decoding stopped at a corrupt or cut-off stream after some audio, or at
    # the max_seconds limit. pcm then contains the audio decoded before that point.
    truncated: bool
    # RMS level in dBFS of the loudest 20 ms window, -inf for digital silence.
    peak_dbfs: float


def decode_audio(
    path: Path, sample_rate: int, max_seconds: float = MAX_SECONDS
) -> DecodedAudio:
    """Decode and resample a recording to 16-bit mono PCM at `sample_rate` Hz.

    Raise EmptyAudioError for a zero-byte file or one without samples, and
    UnreadableAudioError when FFmpeg cannot decode any audio from it. A missing file
    raises FileNotFoundError.
    """
    if sample_rate <= 0:
        raise ValueError(
            f"sample_rate must be a positive number of Hz, not {sample_rate}"
        )

    if max_seconds <= 0:
        raise ValueError(f"max_seconds must be positive, not {max_seconds}")

    if path.stat().st_size == 0:
        raise EmptyAudioError(
            f"Recording {path} has zero bytes. Download it again from Twilio, or "
            "flag the ticket for an officer if the recording is empty there too."
        )

    try:
        container = av.open(str(path))
    except av.error.FFmpegError as e:
        raise UnreadableAudioError(
            f"Recording {path} is not a readable audio file ({e}). Check that the "
            "download is complete. If it is, flag the ticket for an officer."
        ) from e

    with container:
        source_format, pcm, stopped_early = _decode_container(
            container, path, sample_rate, round(max_seconds * sample_rate)
        )
        declared_seconds = _declared_seconds(container, path)

    return _build_decoded_audio(
        path, pcm, sample_rate, source_format, stopped_early, declared_seconds
    )


def is_silent(audio: DecodedAudio, threshold_dbfs: float = -45.0) -> bool:
    """Return True when no 20 ms window of the audio reaches `threshold_dbfs`."""
    return audio.peak_dbfs < threshold_dbfs


def _decode_container(
    container: av.container.InputContainer,
    path: Path,
    sample_rate: int,
    max_samples: int,
) -> tuple[str, bytes, bool]:
    """Decode the first audio stream and return its format, PCM and early-stop flag."""
    if not container.streams.audio:
        raise UnreadableAudioError(
            f"Recording {path} ({container.format.name}) contains no audio stream. "
            "Flag the ticket for an officer to check the original message."
        )

    stream = container.streams.audio[0]
    codec_name = stream.codec_context.codec.canonical_name
    source_format = f"{container.format.name}/{codec_name}"
    max_bytes = max_samples * 2
    pcm = bytearray()

    try:
        for chunk in _resampled_pcm(container, stream, sample_rate):
            pcm += chunk
            if len(pcm) > max_bytes:
                logger.warning(
                    "audio longer than the limit, keeping its start path=%s "
                    "max_seconds=%.0f",
                    path,
                    max_samples / sample_rate,
                )
                return source_format, bytes(pcm[:max_bytes]), True
    except av.error.FFmpegError as e:
        if not pcm:
            raise UnreadableAudioError(
                f"Recording {path} ({source_format}) could not be decoded ({e}). "
                "Check that the download is complete. If it is, flag the ticket for "
                "an officer."
            ) from e

        logger.warning(
            "audio stream corrupt, keeping the decoded part path=%s format=%s "
            "decoded_seconds=%.2f error=%s",
            path,
            source_format,
            len(pcm) / 2 / sample_rate,
            e,
        )
        return source_format, bytes(pcm), True

    return source_format, bytes(pcm), False


def _resampled_pcm(
    container: av.container.InputContainer,
    stream: av.AudioStream,
    sample_rate: int,
) -> Iterator[bytes]:
    """Yield the stream as 16-bit mono PCM at `sample_rate`, one frame at a time."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=sample_rate)
    for frame in container.decode(stream):
        for resampled in resampler.resample(frame):
            yield resampled.to_ndarray().tobytes()

    # Passing None flushes the samples the resampler still buffers.
    for resampled in resampler.resample(None):
        yield resampled.to_ndarray().tobytes()


def _build_decoded_audio(
    path: Path,
    pcm: bytes,
    sample_rate: int,
    source_format: str,
    stopped_early: bool,
    declared_seconds: float | None,
) -> DecodedAudio:
    """Check the decoded PCM against the declared length and measure its level."""
    if not pcm:
        raise EmptyAudioError(
            f"Recording {path} ({source_format}) contains no audio samples. Flag the "
            "ticket for an officer to call the citizen back."
        )

    duration_seconds = len(pcm) / 2 / sample_rate
    cut_off = (
        declared_seconds is not None
        and declared_seconds - duration_seconds > DURATION_TOLERANCE_SECONDS
    )
    if cut_off and not stopped_early:
        logger.warning(
            "audio shorter than its header declares path=%s format=%s "
            "declared_seconds=%.2f decoded_seconds=%.2f",
            path,
            source_format,
            declared_seconds,
            duration_seconds,
        )

    audio = DecodedAudio(
        pcm=pcm,
        sample_rate=sample_rate,
        duration_seconds=duration_seconds,
        source_format=source_format,
        truncated=stopped_early or cut_off,
        peak_dbfs=_peak_dbfs(pcm, sample_rate),
    )
    logger.info(
        "audio decoded path=%s format=%s duration_seconds=%.2f truncated=%s "
        "peak_dbfs=%.1f",
        path,
        source_format,
        audio.duration_seconds,
        audio.truncated,
        audio.peak_dbfs,
    )
    return audio


def _declared_seconds(
    container: av.container.InputContainer, path: Path
) -> float | None:
    """Return the length that the header of the file declares, or None."""
    # FFmpeg clamps a WAV data chunk to the bytes present, so read the header itself.
    if container.format.name == "wav":
        return _wav_declared_seconds(path)

    # NOTE: FFmpeg takes an Ogg file's length from its last page, so a cut-off Ogg
    # file declares its cut length and is not flagged as truncated. An MP3 without a
    # Xing header gets a length estimated from its first bitrate, which can be wrong
    # for VBR files.
    if container.duration is None:
        return None

    return container.duration / av.time_base


def _wav_declared_seconds(path: Path) -> float | None:
    """Return data chunk size / byte rate from a RIFF/WAVE header, or None."""
    byte_rate = 0
    with path.open("rb") as wav:
        riff = wav.read(12)
        if len(riff) < 12 or riff[:4] != b"RIFF" or riff[8:] != b"WAVE":
            return None

        while len(chunk_header := wav.read(8)) == 8:
            chunk_id, chunk_size = struct.unpack("<4sI", chunk_header)
            if chunk_id == b"data":
                if chunk_size in _WAV_UNKNOWN_SIZES or byte_rate == 0:
                    return None

                return chunk_size / byte_rate

            if chunk_id == b"fmt " and chunk_size >= 16:
                fmt = wav.read(16)
                if len(fmt) < 16:
                    return None

                # fmt starts with format tag, channels, sample rate, byte rate.
                (byte_rate,) = struct.unpack("<8xI4x", fmt)
                chunk_size -= 16

            # RIFF pads chunks of odd size with one byte.
            wav.seek(chunk_size + chunk_size % 2, 1)

    return None


def _peak_dbfs(pcm: bytes, sample_rate: int) -> float:
    """Return the RMS level in dBFS of the loudest 20 ms window of the PCM."""
    samples = np.frombuffer(pcm, dtype="<i2")
    window = max(1, round(sample_rate * PEAK_WINDOW_SECONDS))
    block_size = window * _WINDOWS_PER_BLOCK
    max_mean_square = 0.0

    for block_start in range(0, len(samples), block_size):
        squares = np.square(
            samples[block_start : block_start + block_size].astype(np.float64)
        )
        window_starts = np.arange(0, len(squares), window)
        window_lengths = np.diff(np.append(window_starts, len(squares)))
        mean_squares = np.add.reduceat(squares, window_starts) / window_lengths
        max_mean_square = max(max_mean_square, float(mean_squares.max()))

    if max_mean_square == 0.0:
        return -math.inf

    return 10.0 * math.log10(max_mean_square / _FULL_SCALE**2)
