"""Errors raised while loading a Vosk model or decoding and transcribing a recording."""


class SpeechError(Exception):
    """Base class of every error raised by the speech package."""


class ModelNotFoundError(SpeechError):
    """The model directory is missing, is not a Vosk model, or failed to load."""


class EmptyAudioError(SpeechError):
    """The recording has zero bytes or contains no audio samples."""


class UnreadableAudioError(SpeechError):
    """The recording cannot be decoded as audio."""
