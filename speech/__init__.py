"""Decode recorded complaints and transcribe them offline with a Vosk model."""

from speech.audio import DecodedAudio, decode_audio, is_silent
from speech.exceptions import (
    EmptyAudioError,
    ModelNotFoundError,
    SpeechError,
    UnreadableAudioError,
)
from speech.model import LoadedModel, load_model, model_load_count, resolve_model_path
from speech.transcribe import Transcript, Word, transcribe_file, transcribe_pcm

__all__ = [
    "DecodedAudio",
    "EmptyAudioError",
    "LoadedModel",
    "ModelNotFoundError",
    "SpeechError",
    "Transcript",
    "UnreadableAudioError",
    "Word",
    "decode_audio",
    "is_silent",
    "load_model",
    "model_load_count",
    "resolve_model_path",
    "transcribe_file",
    "transcribe_pcm",
]
