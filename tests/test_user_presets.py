"""The user's own presets file: written by the app's "save as my preset", read by get_preset
and the CLI's --preset NAME."""
from __future__ import annotations

import argparse
import dataclasses
import json

import pytest

from ainimotion_vs.errors import SettingsError
from ainimotion_vs.presets import PRESETS, all_presets, get_preset, save_user_preset, user_presets, user_presets_path


@pytest.fixture(autouse=True)
def config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("AINIMOTION_CONFIG_HOME", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


def test_saved_preset_is_found_by_name_and_by_the_cli(config_home):
    mine = dataclasses.replace(get_preset("fast"), name="my-720", description="mine", height=720, crf=23)
    path = save_user_preset(mine)
    assert path == user_presets_path() == config_home / "presets.json"
    assert get_preset("my-720") == mine
    assert list(all_presets()) == [*PRESETS, "my-720"]
    from ainimotion_vs.commands.enhance import preset_for

    args = argparse.Namespace(preset="my-720", height=None, no_interpolate=False, no_upscale=False)
    assert preset_for(args) == mine
    again = dataclasses.replace(mine, crf=30)
    save_user_preset(again)
    save_user_preset(dataclasses.replace(mine, name="other"))
    assert user_presets() == {"my-720": again, "other": dataclasses.replace(mine, name="other")}


def test_no_file_means_no_user_presets():
    assert user_presets() == {}
    with pytest.raises(SettingsError, match=r"unknown preset .nope.; presets: anime-clean"):
        get_preset("nope")


def test_built_in_and_bad_names_are_refused():
    with pytest.raises(SettingsError, match=r"'fast' is a built-in preset; choose another name"):
        save_user_preset(get_preset("fast"))
    with pytest.raises(SettingsError, match=r"preset name 'my preset' must be letters, digits"):
        save_user_preset(dataclasses.replace(get_preset("fast"), name="my preset"))
    with pytest.raises(SettingsError, match=r"preset name 'none' must be"):
        save_user_preset(dataclasses.replace(get_preset("fast"), name="none"))


def test_a_bad_file_is_an_error_naming_it(config_home):
    config_home.mkdir(parents=True)
    path = config_home / "presets.json"
    path.write_text("{oops")
    with pytest.raises(SettingsError, match=r"user presets .*presets\.json: cannot read it .*fix or delete the file"):
        get_preset("anything")
    path.write_text(json.dumps({"presets": {"a": {"heigth": 720}}}))
    with pytest.raises(SettingsError, match=r"preset 'a' has unknown setting\(s\) heigth; valid settings: .*height"):
        user_presets()
    path.write_text(json.dumps({"presets": {"fast": {}}}))
    with pytest.raises(SettingsError, match=r"'fast' is a built-in preset"):
        user_presets()
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(SettingsError, match=r'expected \{"presets"'):
        user_presets()
    # built-in names never read the file: --preset fast works whatever is in it
    assert get_preset("fast") is PRESETS["fast"]
