"""The child's own view of the file system (a mount namespace): a size-capped working directory,
the decks hidden, and Python reachable without privileges.

- The working directory becomes a tmpfs of a fixed size: a submission cannot fill the disk, and
  what it writes is memory its cgroup pays for.
- Every deck folder (the reference solutions) gets an empty read-only tmpfs over it, wherever it
  lives: beside the package, given with --quizzes, or inside the Python installation the child
  must read to import modules.
- A Python installation under a folder `nobody` cannot enter (a pyenv under /root, mode 700) is
  made reachable without any capability: a tmpfs goes over that folder and only the installation
  is bound back into it, so the child can drop every privilege and still read the rest of the
  folder not at all.

Needs the right to make a mount namespace: root, or the user namespace the zygote makes for a
user. Each step reports whether it took; `doctor` prints it.
"""

from __future__ import annotations

import ctypes
import os
import stat
import sys
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18

_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class MountError(OSError):
    pass


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    assert _libc is not None
    enc = [None if v is None else v.encode() for v in (source, target, fstype, data)]
    if _libc.mount(enc[0], enc[1], enc[2], flags, enc[3]) != 0:
        raise MountError(ctypes.get_errno(), f"mount {target}: {os.strerror(ctypes.get_errno())}")


def enter_namespace() -> bool | str:
    """A private mount namespace for this process; True when it took."""
    if _libc is None:
        return "not Linux"
    if _libc.unshare(CLONE_NEWNS) != 0:
        return f"unavailable ({os.strerror(ctypes.get_errno())})"
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount propagates back to the host
    except MountError as e:
        return f"failed ({e.strerror})"
    return True


def cap_workdir(workdir: Path, size_bytes: int, uid: int, gid: int) -> bool | str:
    try:
        _mount("tmpfs", str(workdir), "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={size_bytes},nr_inodes=4096,mode=0700,uid={uid},gid={gid}")  # fmt: skip
    except MountError as e:
        return f"failed ({e.strerror})"
    return True


def hide(folders: list[Path]) -> bool | str:
    """An empty read-only tmpfs over each folder that exists."""
    try:
        for folder in folders:
            if folder.is_dir():
                _mount(
                    "tmpfs",
                    str(folder),
                    "tmpfs",
                    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    "size=4k,mode=0555",
                )
    except MountError as e:
        return f"failed ({e.strerror})"
    return True


def blocking_folders(paths: list[str]) -> list[Path]:
    """The topmost folders above `paths` that others cannot enter (no o+x), each once."""
    found: list[Path] = []
    for path in paths:
        chain = [*reversed(Path(path).parents), Path(path)]
        for folder in chain:
            try:
                mode = folder.stat().st_mode
            except OSError:
                break
            if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
                if folder not in found and not any(folder.is_relative_to(f) for f in found):
                    found.append(folder)
                break
    return found


def reach_without_privileges(paths: list[str]) -> bool | str:
    """Make `paths` reachable by any uid: a tmpfs over each blocking folder, the paths bound back in."""
    blocked = blocking_folders(paths)
    if not blocked:
        return True
    inside = [p for p in paths if any(Path(p).is_relative_to(b) for b in blocked) and os.path.exists(p)]
    inside = [p for p in inside if not any(p != q and Path(p).is_relative_to(q) for q in inside)]
    # Keep a handle on each path before the tmpfs hides it; bind from the handle afterwards.
    handles = {p: os.open(p, os.O_PATH | os.O_CLOEXEC) for p in inside}
    try:
        for folder in blocked:
            _mount("tmpfs", str(folder), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
        for path, fd in sorted(handles.items()):
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(path, mode=0o755, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
                open(path, "a").close()
            _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    except (MountError, OSError) as e:
        return f"failed ({e})"
    finally:
        for fd in handles.values():
            os.close(fd)
    return True
