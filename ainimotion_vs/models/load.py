"""Build a network and load its weights: :func:`load_network` (the one way to get a model).

Every network returned takes ONE tensor ``(N, spec.in_channels, H, W)`` float in [0, 1]
(RIFE: channels 0-2 frame 0 RGB, 3-5 frame 1 RGB, 6 the timestep plane), H and W
multiples of ``spec.size_multiple``, and returns ``(N, 3, H*scale, W*scale)``, not clamped.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SettingsError, UnsupportedFormatError
from .spec import ModelSpec, get_spec

if TYPE_CHECKING:  # pragma: no cover
    import torch
    from torch import nn

__all__ = ["build_network", "load_network", "load_state_dict_from_files", "check_state_dict", "check_weight_files"]

# Training-only parts of Practical-RIFE checkpoints, not used for inference.
_RIFE_TRAINING_ONLY = ("teacher.", "caltime.")


def build_network(spec_or_name: "ModelSpec | str") -> "nn.Module":
    """The architecture of a model with random weights (for shape tests and export dry runs)."""
    spec = get_spec(spec_or_name)
    opts = dict(spec.arch_options)
    if spec.arch == "ifnet":
        from .ifnet import IFNet

        return IFNet(**opts)
    if spec.arch == "srvgg":
        from .srvgg import SRVGGNetCompact

        return SRVGGNetCompact(**opts)
    if spec.arch == "rrdb":
        from .rrdb import RRDBNet

        return RRDBNet(**opts)
    raise SettingsError(f"build_network: unknown architecture {spec.arch!r} for {spec.name}; known: ifnet, srvgg, rrdb.")


def check_state_dict(net: "nn.Module", sd: "dict[str, torch.Tensor]", *, func: str, what: str) -> None:
    """Raise UnsupportedFormatError naming every missing, unexpected and mis-shaped key."""
    want = net.state_dict()
    missing = sorted(set(want) - set(sd))
    unexpected = sorted(set(sd) - set(want))
    shapes = sorted(
        f"{k}: file {tuple(sd[k].shape)} vs network {tuple(want[k].shape)}"
        for k in set(want) & set(sd)
        if tuple(sd[k].shape) != tuple(want[k].shape)
    )
    if missing or unexpected or shapes:

        def short(items: list[str]) -> str:
            return ", ".join(items[:8]) + (f" (+{len(items) - 8} more)" if len(items) > 8 else "")

        parts = []
        if missing:
            parts.append(f"missing keys [{short(missing)}]")
        if unexpected:
            parts.append(f"unexpected keys [{short(unexpected)}]")
        if shapes:
            parts.append(f"shape mismatches [{short(shapes)}]")
        raise UnsupportedFormatError(
            f"{func}: {what} does not fit the {type(net).__name__} architecture: " + "; ".join(parts)
            + ". Use the files listed by `ainimotion weights list`."
        )


def _torch_load(path: Path, func: str) -> dict:
    import torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad file; report it as one error
        raise UnsupportedFormatError(f"{func}: cannot read {path} as a PyTorch checkpoint ({type(exc).__name__}: {exc}).") from exc
    if not isinstance(obj, dict):
        raise UnsupportedFormatError(f"{func}: {path} holds a {type(obj).__name__}, not a state dict.")
    return obj


def load_state_dict_from_files(spec: ModelSpec, group: str, files: "dict[str, Path]", *, check: bool = False) -> "dict[str, torch.Tensor]":
    """State dict of ``spec``'s architecture from one file set (``{file name: path}``).

    RIFE ``.pkl``: the ``module.`` prefix of official files is dropped, as are the
    training-only ``teacher``/``caltime`` parts. ``.pth``: ``params_ema`` or ``params``.
    ncnn: converted by :mod:`ainimotion_vs.models.ncnn`. ``check=True`` also verifies keys
    and shapes against the architecture.
    """
    func = "load_network"
    wfs = spec.files_of(group)
    fmt = {wf.format for wf in wfs}
    if fmt == {"rife-pkl"}:
        raw = _torch_load(files[wfs[0].name], func)
        if any(k.startswith("module.") for k in raw):
            raw = {k[len("module."):]: v for k, v in raw.items() if k.startswith("module.")}
        sd = {k: v for k, v in raw.items() if not k.startswith(_RIFE_TRAINING_ONLY)}
    elif fmt == {"pth"}:
        raw = _torch_load(files[wfs[0].name], func)
        sd = raw.get("params_ema", raw.get("params", raw))
        if not isinstance(sd, dict):
            raise UnsupportedFormatError(f"{func}: {files[wfs[0].name]} has no state dict under params_ema/params.")
    elif fmt == {"ncnn-param", "ncnn-bin"}:
        from .ncnn import convert

        by_fmt = {wf.format: files[wf.name] for wf in wfs}
        sd = convert(by_fmt["ncnn-param"], by_fmt["ncnn-bin"], spec.arch, **dict(spec.arch_options))
    else:
        raise UnsupportedFormatError(f"{func}: {spec.name} file set {group!r} has formats {sorted(fmt)} that no loader reads.")
    if check:
        check_state_dict(build_network(spec), sd, func=func, what=f"{spec.name} ({', '.join(str(p) for p in files.values())})")
    return sd


def check_weight_files(spec: ModelSpec, group: str, files: "dict[str, Path]") -> None:
    """Raise :class:`~ainimotion_vs.errors.UnsupportedFormatError` unless the file set
    ``{file name: path}`` loads into ``spec``'s architecture with every key and shape matching
    (the ``check`` of :func:`ainimotion_vs.weights.install_weights`)."""
    load_state_dict_from_files(spec, group, files, check=True)


def load_network(
    spec_or_name: "ModelSpec | str",
    *,
    device: "str | torch.device" = "cpu",
    dtype: "torch.dtype | None" = None,
    offline: bool | None = None,
) -> "nn.Module":
    """The model's network with its pretrained weights, in eval mode on ``device`` in ``dtype``
    (float32 by default), gradients off.

    Fetches the weights first if they are not installed (:func:`~ainimotion_vs.weights.ensure_weights`).
    ``forward(x)``: ``(N, in_channels, H, W)`` in [0, 1], H and W multiples of
    ``spec.size_multiple`` -> ``(N, 3, H*scale, W*scale)``, not clamped. The RIFE network
    also has ``interpolate(img0, img1, timestep)``.
    Loading checks every key and shape (UnsupportedFormatError names the mismatches).
    """
    import torch

    from ..weights import ensure_weights, installed_files

    spec = get_spec(spec_or_name)
    ensure_weights(spec, offline=offline)
    found = installed_files(spec)
    if found is None:  # removed between the two calls
        from ..errors import WeightsNotFoundError

        raise WeightsNotFoundError(f"load_network: {spec.name} weights disappeared from the cache while loading; run again.")
    group, files = found
    sd = load_state_dict_from_files(spec, group, files)
    net = build_network(spec)
    check_state_dict(net, sd, func="load_network", what=f"{spec.name} ({group} files in {next(iter(files.values())).parent})")
    net.load_state_dict(sd, strict=True)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net.to(device=device, dtype=dtype or torch.float32)
