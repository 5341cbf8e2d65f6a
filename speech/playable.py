"""Give officers each recording in a format that every common browser plays.

16-bit PCM WAV and MP3 are served as they are. Other formats, such as mu-law WAV and
Ogg/Opus voice notes, are transcoded once to MP3 in a cache directory.
"""

import fcntl
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import av
import av.container
import av.error

from speech.exceptions import EmptyAudioError, UnreadableAudioError

logger = logging.getLogger(__name__)

# Formats that Chrome, Firefox and Safari all play, by (container, codec) as PyAV
# names them. Safari does not play Ogg/Opus, and browsers differ on mu-law WAV.
SERVED_AS_IS = {
    ("wav", "pcm_s16le"): "audio/wav",
    ("mp3", "mp3"): "audio/mpeg",
}


# MP3 below 16 kHz (8, 11.025 and 12 kHz, as phone recordings often are) is MPEG-2.5,
# an extension outside ISO/IEC 13818-3. Not every browser is known to play it, so such
# MP3s are transcoded, and copies are written at 16 kHz or more.
# NOTE: Safari was not available to test on; 16 kHz MPEG-2 MP3 is within the standard.
MIN_MP3_RATE = 16_000


@dataclass(frozen=True)
class PlayableAudio:
    """A recording file that browsers play, with the MIME type to serve it under."""

    path: Path
    # "audio/wav", "audio/mpeg" or "audio/mp4".
    mimetype: str
    # True when path is a transcoded copy in the cache directory, not the source.
    transcoded: bool


@dataclass(frozen=True)
class Encoding:
    """An audio codec and container that the cache writes transcoded copies in."""

    codec_name: str
    container_format: str
    suffix: str
    mimetype: str
    # Options of the FFmpeg muxer, e.g. movflags for MP4.
    container_options: dict[str, str] = field(default_factory=dict)


MP3 = Encoding("libmp3lame", "mp3", ".mp3", "audio/mpeg")

# Moving the index to the start of the file lets a browser play it while it loads.
AAC = Encoding("aac", "mp4", ".m4a", "audio/mp4", {"movflags": "+faststart"})

# The PyAV 18 wheels on PyPI link FFmpeg with libmp3lame. A build without it falls
# back to AAC, which Safari plays as well.
TRANSCODE_ENCODING = MP3 if "libmp3lame" in av.codecs_available else AAC

# Bit rates of the transcoded mono speech, by the highest sample rate they apply to.
_BIT_RATES = ((12_000, 24_000), (24_000, 32_000), (48_000, 64_000))


def playable_audio(source: Path, cache_dir: Path) -> PlayableAudio:
    """Serve the source as is when browsers play it, else transcode it once.

    The copy is cache_dir/<source stem><suffix of TRANSCODE_ENCODING>, written once
    and reused while it is newer than the source, so sources that share a cache_dir
    need distinct stems. Raise EmptyAudioError for a zero-byte file or one without
    samples, and UnreadableAudioError when FFmpeg cannot decode it. A missing file
    raises FileNotFoundError.
    """
    container_name, codec_name, sample_rate = _probe(source)
    mimetype = SERVED_AS_IS.get((container_name, codec_name))
    if codec_name == "mp3" and sample_rate < MIN_MP3_RATE:
        mimetype = None

    if mimetype is not None:
        logger.debug(
            "audio served as is path=%s format=%s/%s",
            source,
            container_name,
            codec_name,
        )
        return PlayableAudio(path=source, mimetype=mimetype, transcoded=False)

    encoding = TRANSCODE_ENCODING
    target = cache_dir / f"{source.stem}{encoding.suffix}"
    if not _is_cached(target, source):
        cache_dir.mkdir(parents=True, exist_ok=True)
        with _cache_lock(target):
            # Another worker may have written the copy while this one waited.
            if not _is_cached(target, source):
                _transcode_atomically(source, target, encoding)

    return PlayableAudio(path=target, mimetype=encoding.mimetype, transcoded=True)


def _probe(source: Path) -> tuple[str, str, int]:
    """Return the container and codec names and the sample rate of the first audio
    stream."""
    if source.stat().st_size == 0:
        raise EmptyAudioError(
            f"Recording {source} has zero bytes. Download it again from Twilio, or "
            "flag the ticket for an officer if the recording is empty there too."
        )

    with _open_source(source) as container:
        stream = _audio_stream(container, source)
        codec_name = stream.codec_context.codec.canonical_name
        return container.format.name, codec_name, stream.rate or 0


@contextmanager
def _open_source(source: Path) -> Iterator[av.container.InputContainer]:
    """Open a recording with PyAV, raising UnreadableAudioError if FFmpeg cannot."""
    try:
        container = av.open(str(source))
    except av.error.FFmpegError as e:
        raise UnreadableAudioError(
            f"Recording {source} is not a readable audio file ({e}). Check that the "
            "download is complete. If it is, flag the ticket for an officer."
        ) from e

    with container:
        yield container


def _audio_stream(
    container: av.container.InputContainer, source: Path
) -> av.AudioStream:
    if not container.streams.audio:
        raise UnreadableAudioError(
            f"Recording {source} ({container.format.name}) contains no audio stream. "
            "Flag the ticket for an officer to check the original message."
        )

    return container.streams.audio[0]


def _is_cached(target: Path, source: Path) -> bool:
    """Return True when target exists and was written after the source changed."""
    try:
        return target.stat().st_mtime_ns >= source.stat().st_mtime_ns
    except FileNotFoundError:
        return False


@contextmanager
def _cache_lock(target: Path) -> Iterator[None]:
    """Hold an exclusive lock so that concurrent callers transcode a source once.

    The empty lock file stays in the cache directory, because removing it would let
    a later caller lock a new file while an earlier one still holds the old one.
    """
    # NOTE: flock serializes the callers on one host. Hosts sharing the cache over
    # NFS may each transcode, which is still safe because the rename is atomic.
    lock_path = target.with_name(f".{target.name}.lock")
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _transcode_atomically(source: Path, target: Path, encoding: Encoding) -> None:
    """Transcode into a temporary file next to target, then rename it to target.

    Readers see either no target or a complete one, and a failed transcode leaves
    no file behind.
    """
    descriptor, temporary_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    # mkstemp creates the file readable by its owner only, but the web server that
    # sends it to browsers may run as another user.
    os.fchmod(descriptor, 0o644)
    os.close(descriptor)
    temporary = Path(temporary_name)
    try:
        seconds = _transcode(source, temporary, encoding)
        with temporary.open("rb") as written:
            os.fsync(written.fileno())

        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

    logger.info(
        "audio transcoded for browsers source=%s target=%s codec=%s seconds=%.2f",
        source,
        target,
        encoding.codec_name,
        seconds,
    )


def _transcode(source: Path, output_path: Path, encoding: Encoding) -> float:
    """Encode the first audio stream as mono and return its length in seconds."""
    with _open_source(source) as input_container:
        input_stream = _audio_stream(input_container, source)
        source_format = (
            f"{input_container.format.name}/"
            f"{input_stream.codec_context.codec.canonical_name}"
        )
        with av.open(
            str(output_path),
            "w",
            format=encoding.container_format,
            options=encoding.container_options,
        ) as output_container:
            output_stream = _add_output_stream(
                output_container, encoding, _source_sample_rate(input_stream)
            )
            samples = _encode_frames(
                _decoded_frames(input_container, input_stream, source, source_format),
                output_container,
                output_stream,
            )

    if samples == 0:
        raise EmptyAudioError(
            f"Recording {source} ({source_format}) contains no audio samples. Flag "
            "the ticket for an officer to call the citizen back."
        )

    return samples / output_stream.codec_context.sample_rate


def _source_sample_rate(stream: av.AudioStream) -> int:
    """Return the rate the audio was captured at, before any decoder upsampling."""
    # Opus always decodes at 48 kHz. The OpusHead header (RFC 7845, section 5.1)
    # stores the capture rate as a little-endian uint32 at bytes 12-15.
    extradata = stream.codec_context.extradata
    if stream.codec_context.codec.canonical_name == "opus" and extradata:
        header = bytes(extradata)
        if header.startswith(b"OpusHead") and len(header) >= 16:
            input_sample_rate = int.from_bytes(header[12:16], "little")
            if input_sample_rate > 0:
                return input_sample_rate

    return stream.rate


def _add_output_stream(
    container: av.container.OutputContainer, encoding: Encoding, source_rate: int
) -> av.AudioStream:
    """Add a mono stream at the supported sample rate nearest to the source's."""
    codec = av.Codec(encoding.codec_name, "w")
    supported_rates = [
        rate for rate in codec.audio_rates or [source_rate] if rate >= MIN_MP3_RATE
    ] or [max(source_rate, MIN_MP3_RATE)]
    sample_rate = min(supported_rates, key=lambda rate: abs(rate - source_rate))
    bit_rate = next(
        (bit_rate for max_rate, bit_rate in _BIT_RATES if sample_rate <= max_rate),
        _BIT_RATES[-1][1],
    )

    stream = cast(
        av.AudioStream, container.add_stream(encoding.codec_name, rate=sample_rate)
    )
    stream.codec_context.layout = "mono"
    stream.codec_context.bit_rate = bit_rate
    # Opening the encoder now fixes the frame size that the resampler must deliver.
    stream.codec_context.open()
    return stream


def _decoded_frames(
    container: av.container.InputContainer,
    stream: av.AudioStream,
    source: Path,
    source_format: str,
) -> Iterator[av.AudioFrame]:
    """Yield decoded frames, stopping at a corrupt stream once some audio decoded."""
    decoded_any = False
    try:
        for frame in container.decode(stream):
            decoded_any = True
            yield frame
    except av.error.FFmpegError as e:
        if not decoded_any:
            raise UnreadableAudioError(
                f"Recording {source} ({source_format}) could not be decoded ({e}). "
                "Check that the download is complete. If it is, flag the ticket "
                "for an officer."
            ) from e

        # A citizen's recording is kept even when its end is damaged.
        logger.warning(
            "audio stream corrupt, transcoding the decoded part path=%s format=%s "
            "error=%s",
            source,
            source_format,
            e,
        )


def _encode_frames(
    frames: Iterator[av.AudioFrame],
    container: av.container.OutputContainer,
    stream: av.AudioStream,
) -> int:
    """Resample, encode and mux the frames, and return the samples written."""
    codec_context = stream.codec_context
    resampler = av.AudioResampler(
        format=codec_context.format,
        layout="mono",
        rate=codec_context.sample_rate,
        frame_size=codec_context.frame_size or None,
    )
    samples = 0
    for frame in frames:
        for resampled in resampler.resample(frame):
            samples += resampled.samples
            container.mux(stream.encode(resampled))

    # Passing None flushes the resampler, then the encoder.
    for resampled in resampler.resample(None):
        samples += resampled.samples
        container.mux(stream.encode(resampled))

    container.mux(stream.encode(None))
    return samples
