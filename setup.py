"""Build of the gate's VapourSynth filter (ainimotion_vs/gating/_gatevs.c); everything else is in
pyproject.toml. It is built as a Python-extension-named shared library so that pip compiles and
installs it with the package; ainimotion_vs.gating.native loads it with core.std.LoadPlugin.
Optional: without a C compiler the install still succeeds and gate() runs its numpy path (same
labels, more CPU; it logs a warning saying so)."""
import importlib.util
import sys
from pathlib import Path

from setuptools import Extension, setup


def _vapoursynth_include() -> list[str]:
    """VapourSynth4.h ships in the vapoursynth wheel (a build requirement)."""
    spec = importlib.util.find_spec("vapoursynth")
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    return [str(r / "include") for r in roots if (r / "include" / "VapourSynth4.h").is_file()]


# no fused multiply-add: the analysis picture must equal the numpy path's bit for bit
flags = ["/O2", "/fp:precise"] if sys.platform == "win32" else ["-O3", "-ffp-contract=off"]
gate = Extension(
    "ainimotion_vs.gating._gatevs", ["ainimotion_vs/gating/_gatevs.c"], include_dirs=_vapoursynth_include(),
    extra_compile_args=flags, optional=True,
)  # fmt: skip
setup(ext_modules=[gate])
