"""The 'eval' extra check: a missing part is named with the install command before work starts."""
from __future__ import annotations

import pytest

from ainimotion_vs.errors import MissingPluginError
from ainimotion_vs.evaluation import extras
from ainimotion_vs.evaluation.extras import EVAL_INSTALL, missing_eval, require_eval


# the distribution that brings each part (pyproject.toml's names)
DISTRIBUTIONS = {"pillow": "pillow", "opencv": "opencv-python-headless", "scenedetect": "scenedetect",
                 "matplotlib": "matplotlib", "mvtools": "vapoursynth-mvtools", "scxvid": "vapoursynth-scxvid",
                 "akarin": "vapoursynth-akarin"}


def test_every_part_comes_with_the_eval_extra():
    import re
    import tomllib
    from pathlib import Path

    extra = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]["optional-dependencies"]["eval"]
    names = {re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower() for req in extra}
    for part in extras.EVAL_PARTS:
        assert DISTRIBUTIONS[part] in names, f"{part} is not in the eval extra"


def test_missing_part_is_named_with_the_extra(monkeypatch):
    # a part whose module does not exist anywhere: the real import machinery says it is missing
    monkeypatch.setitem(extras.EVAL_PARTS, "nothing", ("python", "ainimotion_no_such_module_xyz"))
    monkeypatch.setitem(extras.EVAL_PARTS, "noplugin", ("vs", "ainimotion_no_such_namespace"))
    assert missing_eval("nothing", "noplugin") == ["nothing", "noplugin"]
    with pytest.raises(MissingPluginError, match=r"bench: needs nothing, noplugin from the 'eval' extra.*" + EVAL_INSTALL.replace("[", r"\[").replace("]", r"\]")):
        require_eval("nothing", "noplugin", who="bench")


def test_present_parts_pass_and_unknown_names_are_rejected():
    assert missing_eval() == []
    require_eval(who="x")  # nothing asked: nothing missing
    with pytest.raises(ValueError, match=r"missing_eval: unknown part\(s\) \['pilow'\]"):
        missing_eval("pilow")


def test_importing_the_package_needs_no_extra():
    import subprocess
    import sys

    code = ("import sys, ainimotion_vs.evaluation, ainimotion_vs.evaluation.chains, ainimotion_vs.evaluation.quality;"
            "print(sorted(m for m in ('PIL', 'cv2', 'scenedetect', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
