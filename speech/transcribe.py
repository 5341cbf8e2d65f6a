"""Transcribe PCM audio or a recording file with a loaded Vosk model.

Transcript text never goes to the logs, because citizens speak NIK numbers and names.
"""

import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vosk

from speech.audio import DecodedAudio, decode_audio
from speech.exceptions import EmptyAudioError
from speech.model import LoadedModel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Word:
    """One recognised word with its timing in seconds from the start of the audio."""

    word: str
    start: float
    end: float
    # Vosk's confidence in the word, from 0 to 1.
    conf: float


@dataclass(frozen=True)
class Transcript:
    """Text and word timings of one recording, with the cost of recognising it."""

    text: str
    words: list[Word]
    # Mean of the word confidences, None when no word was recognised.
    confidence: float | None
    audio_seconds: float
    # Wall-clock seconds that the recognizer took, excluding audio decoding.
    decode_seconds: float
    # decode_seconds / audio_seconds: below 1 is faster than real time.
    real_time_factor: float
    model_name: str
    # Vosk results that contained words. The recognizer ends a result at each pause
    # it detects as the end of an utterance.
    result_count: int

    def to_dict(self) -> dict[str, Any]:
        """Return the transcript as a dict of JSON types, words as a list of dicts."""
        return dataclasses.asdict(self)


def transcribe_pcm(
    loaded: LoadedModel, pcm: bytes, sample_rate: int, chunk_seconds: float = 0.5
) -> Transcript:
    """Recognise 16-bit mono little-endian PCM at `sample_rate` Hz.

    The PCM goes to a new KaldiRecognizer in chunks of `chunk_seconds`. Words of every
    result Vosk returns along the way, and of the final result, are kept in order.
    Raise EmptyAudioError for empty PCM.

    NOTE: with vosk 0.3.45 the same PCM can yield slightly different words and
    confidences on each call in one process, so a repeated transcription may not
    match the stored one.
    """
    if sample_rate <= 0:
        raise ValueError(
            f"sample_rate must be a positive number of Hz, not {sample_rate}"
        )

    if chunk_seconds <= 0:
        raise ValueError(f"chunk_seconds must be positive, not {chunk_seconds}")

    if len(pcm) % 2:
        raise ValueError(
            f"PCM of {len(pcm)} bytes is not whole 16-bit samples. Pass the output "
            "of decode_audio()."
        )

    if not pcm:
        raise EmptyAudioError(
            f"No audio samples to transcribe with model {loaded.name}. Flag the "
            "ticket for an officer to call the citizen back."
        )

    started = time.perf_counter()
    results = _recognise(loaded, pcm, sample_rate, chunk_seconds)
    decode_seconds = time.perf_counter() - started

    transcript = _build_transcript(
        results, len(pcm) / 2 / sample_rate, decode_seconds, loaded.name
    )
    logger.info(
        "audio transcribed model=%s audio_seconds=%.2f decode_seconds=%.2f "
        "real_time_factor=%.3f words=%d results=%d",
        transcript.model_name,
        transcript.audio_seconds,
        transcript.decode_seconds,
        transcript.real_time_factor,
        len(transcript.words),
        transcript.result_count,
    )
    return transcript


def transcribe_file(loaded: LoadedModel, path: Path) -> tuple[DecodedAudio, Transcript]:
    """Decode a recording at the model's sample rate and transcribe it.

    Raise the errors of decode_audio() for empty or unreadable recordings.
    """
    audio = decode_audio(path, loaded.sample_rate)
    transcript = transcribe_pcm(loaded, audio.pcm, audio.sample_rate)
    return audio, transcript


def _recognise(
    loaded: LoadedModel, pcm: bytes, sample_rate: int, chunk_seconds: float
) -> list[dict[str, Any]]:
    """Feed the PCM to a new recognizer and return every parsed Vosk result."""
    recognizer = vosk.KaldiRecognizer(loaded.model, sample_rate)
    recognizer.SetWords(True)
    chunk_bytes = max(1, round(chunk_seconds * sample_rate)) * 2
    results = []

    for offset in range(0, len(pcm), chunk_bytes):
        # AcceptWaveform returns 1 when Vosk detected the end of an utterance.
        if recognizer.AcceptWaveform(pcm[offset : offset + chunk_bytes]):
            results.append(json.loads(recognizer.Result()))

    results.append(json.loads(recognizer.FinalResult()))
    return results


def _build_transcript(
    results: list[dict[str, Any]],
    audio_seconds: float,
    decode_seconds: float,
    model_name: str,
) -> Transcript:
    """Merge Vosk results, in order, into one Transcript."""
    words = []
    texts = []
    result_count = 0

    for result in results:
        result_words = [
            Word(
                word=str(item["word"]),
                start=float(item["start"]),
                end=float(item["end"]),
                conf=float(item["conf"]),
            )
            for item in result.get("result", [])
        ]
        if not result_words:
            continue

        words.extend(result_words)
        texts.append(str(result.get("text", "")).strip())
        result_count += 1

    confidence = sum(word.conf for word in words) / len(words) if words else None
    return Transcript(
        text=" ".join(text for text in texts if text),
        words=words,
        confidence=confidence,
        audio_seconds=audio_seconds,
        decode_seconds=decode_seconds,
        real_time_factor=decode_seconds / audio_seconds,
        model_name=model_name,
        result_count=result_count,
    )
