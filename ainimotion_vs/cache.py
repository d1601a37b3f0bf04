"""The user cache directory and atomic file writes.

Everything ainimotion_vs downloads or builds (weights, ONNX exports, TensorRT engines)
lives under :func:`cache_dir`: ``platformdirs.user_cache_dir("ainimotion")`` unless the
``AINIMOTION_HOME`` environment variable names another folder. Files are written to a
temporary name in the same folder and renamed into place, so a reader never sees a
half-written file and two processes racing to build the same file both end with a
complete one.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["cache_dir", "config_dir", "atomic_write", "atomic_write_bytes", "file_sha256", "remove_orphans", "process_running"]

ENV_HOME = "AINIMOTION_HOME"
ENV_CONFIG = "AINIMOTION_CONFIG_HOME"


def _user_dir(env_name: str, platform_dir, parts: tuple[str, ...], create: bool) -> Path:
    env = os.environ.get(env_name, "").strip()
    root = Path(env).expanduser() if env else Path(platform_dir("ainimotion", appauthor=False))
    path = root.joinpath(*parts)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir(*parts: str, create: bool = True) -> Path:
    """The cache folder (or a subfolder of it, e.g. ``cache_dir("onnx")``).

    ``$AINIMOTION_HOME`` overrides ``platformdirs.user_cache_dir("ainimotion")``. The folder is
    created unless ``create=False``.
    """
    from platformdirs import user_cache_dir

    return _user_dir(ENV_HOME, user_cache_dir, parts, create)


def config_dir(*parts: str, create: bool = True) -> Path:
    """The user settings folder (user presets, the desktop app's queue), or a subfolder of it.

    ``$AINIMOTION_CONFIG_HOME`` overrides ``platformdirs.user_config_dir("ainimotion")``
    (settings are small and worth backing up; the cache is not). Created unless ``create=False``.
    """
    from platformdirs import user_config_dir

    return _user_dir(ENV_CONFIG, user_config_dir, parts, create)


def process_running(pid: int) -> bool:
    """Whether process ``pid`` still exists (on this machine): temporary files named by a PID are
    left alone while their writer may still be writing them."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_orphans(folder: "str | os.PathLike[str]", prefix: str) -> list[Path]:
    """Remove temporary files and folders named ``PREFIX<pid>.*`` whose process no longer runs
    (left by a SIGKILL or a power cut; every other ending cleans up after itself). Those of a
    process still running are kept: it may be writing them."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        pid, dot, _ = name[len(prefix):].partition(".")
        if not (name.startswith(prefix) and dot and pid.isdigit()) or int(pid) == os.getpid() or process_running(int(pid)):
            continue
        path = Path(folder) / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


@contextlib.contextmanager
def atomic_write(path: "str | os.PathLike[str]", *, suffix: str = ".part") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed to ``path``.

    The caller writes the temporary file (e.g. ``torch.onnx.export(..., tmp)``). On an
    exception the temporary file is removed and ``path`` is left untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(target.parent, f".{target.name}.")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise OSError(f"atomic_write: nothing was written to {tmp} for {target}")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(path: "str | os.PathLike[str]", data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``path``."""
    target = Path(path)
    with atomic_write(target) as tmp:
        tmp.write_bytes(data)
    return target


def file_sha256(path: "str | os.PathLike[str]", *, chunk: int = 1 << 20, progress: Callable[[int], None] | None = None) -> str:
    """Hex sha256 of a file, read in chunks (``progress`` gets the bytes read so far)."""
    h = hashlib.sha256()
    done = 0
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
            done += len(block)
            if progress is not None:
                progress(done)
    return h.hexdigest()
