"""The one footage-folder lookup: explicit path, $AINIMOTION_SHARED_DATA, ../shared/data."""
from __future__ import annotations

from pathlib import Path

import pytest

from ainimotion_vs.evaluation import find_shared_data, require_shared_data
from ainimotion_vs.evaluation.footage import FOOTAGE_ENV


def _footage(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "SOURCES.md").write_text("# sources\n")
    return folder


def test_explicit_folder_is_the_only_one_looked_at(tmp_path):
    d = _footage(tmp_path / "data")
    assert find_shared_data(d) == d
    assert require_shared_data(str(d)) == d
    with pytest.raises(FileNotFoundError, match=r"find_shared_data: .*nope is not a footage folder \(no SOURCES.md"):
        find_shared_data(tmp_path / "nope")


def test_environment_variable_comes_before_the_checkout_neighbour(tmp_path, monkeypatch):
    d = _footage(tmp_path / "elsewhere")
    monkeypatch.setenv(FOOTAGE_ENV, str(d))
    assert find_shared_data() == d


def test_a_folder_without_sources_md_is_not_footage(tmp_path, monkeypatch):
    (tmp_path / "clips").mkdir()
    monkeypatch.setenv(FOOTAGE_ENV, str(tmp_path))
    got = find_shared_data()
    assert got != tmp_path  # falls through to ../shared/data beside the checkout, or None
    assert got is None or (got / "SOURCES.md").is_file()


def test_the_fixture_uses_the_same_lookup(shared_data):
    assert shared_data == find_shared_data()
    assert (shared_data / "clips").is_dir()


def test_spread_stills_picks_evenly(tmp_path):
    from ainimotion_vs.errors import SettingsError
    from ainimotion_vs.evaluation.footage import spread_stills

    (tmp_path / "stills").mkdir()
    for i in range(10):
        (tmp_path / "stills" / f"s{i}.png").write_bytes(b"")
    names = lambda paths: [p.stem for p in paths]  # noqa: E731
    assert names(spread_stills(tmp_path, 3)) == ["s0", "s3", "s6"]  # step 10 // 3 = 3
    assert names(spread_stills(tmp_path, 1)) == ["s0"]
    assert len(spread_stills(tmp_path, 0)) == len(spread_stills(tmp_path, 50)) == 10  # 0: all; more than there are: all
    with pytest.raises(SettingsError, match="spread_stills: count must be 0"):
        spread_stills(tmp_path, -1)
