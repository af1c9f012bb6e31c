"""A seccomp filter for the child: the system calls no answer needs, refused.

Raw BPF through prctl (no library to install): the kernel keyrings (a user's keyring outlives
every process, so it is a channel between submissions and holds the grader's secrets), Unix
sockets (pathname sockets reach the host whatever the network namespace), memory the address
space limit cannot see (memfd), io_uring (it would run the refused calls for us), and the usual
needless powers (ptrace, bpf, perf, mounts, namespaces, modules, handles that bypass directory
permissions). A call from another ABI (32-bit `int 0x80`, x32) is refused whole, since its
numbers differ. Linux on x86_64 and aarch64; elsewhere the filter reports itself unavailable.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
AF_UNIX = 1

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
_NR, _ARCH, _ARG0 = 0, 4, 16
_LD_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000

ARCHES = {
    "x86_64": (0xC000003E, {
        "keyctl": 250, "add_key": 248, "request_key": 249, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "mount": 165,
        "umount2": 166, "pivot_root": 155, "chroot": 161, "unshare": 272, "setns": 308, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176, "iopl": 172,
        "ioperm": 173, "swapon": 167, "swapoff": 168, "reboot": 169, "acct": 163, "quotactl": 179,
        "name_to_handle_at": 303, "open_by_handle_at": 304, "memfd_create": 319, "memfd_secret": 447,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
        "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    }, {"socket": 41, "clone3": 435}),
    "aarch64": (0xC00000B7, {
        "keyctl": 219, "add_key": 217, "request_key": 218, "ptrace": 117, "process_vm_readv": 270,
        "process_vm_writev": 271, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "mount": 40,
        "umount2": 39, "pivot_root": 41, "chroot": 51, "unshare": 97, "setns": 268, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106, "swapon": 224,
        "swapoff": 225, "reboot": 142, "acct": 89, "quotactl": 60, "name_to_handle_at": 264,
        "open_by_handle_at": 265, "memfd_create": 279, "memfd_secret": 447, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433,
    }, {"socket": 198, "clone3": 435}),
}  # fmt: skip
REFUSED = sorted(ARCHES["x86_64"][1]) + ["socket(AF_UNIX)"]


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program(machine: str) -> bytes:
    """The filter for `machine`, as the kernel reads it."""
    arch, denied, special = ARCHES[machine]
    out = [_insn(_LD_ABS, _ARCH), _insn(_JEQ, arch, 1, 0), _insn(_RET, _ERRNO | errno.ENOSYS)]
    out += [_insn(_LD_ABS, _NR)]
    if machine == "x86_64":  # the x32 ABI sets bit 30 of the number
        out += [_insn(_JGE, 0x40000000, 0, 1), _insn(_RET, _ERRNO | errno.ENOSYS)]
    for nr in sorted(set(denied.values())):
        out += [_insn(_JEQ, nr, 0, 1), _insn(_RET, _ERRNO | errno.EPERM)]
    # clone3 takes its flags in memory the filter cannot read; glibc falls back to clone on ENOSYS.
    out += [_insn(_JEQ, special["clone3"], 0, 1), _insn(_RET, _ERRNO | errno.ENOSYS)]
    out += [_insn(_JEQ, special["socket"], 0, 3), _insn(_LD_ABS, _ARG0)]
    out += [_insn(_JEQ, AF_UNIX, 0, 1), _insn(_RET, _ERRNO | errno.EACCES)]
    out += [_insn(_RET, _ALLOW)]
    return b"".join(out)


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_MACHINE = platform.machine()
# Built once in the zygote (children inherit it): installing then costs one system call.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
_CODE = program(_MACHINE) if _LIBC is not None and _MACHINE in ARCHES else b""
_BUFFER = ctypes.create_string_buffer(_CODE, len(_CODE)) if _CODE else None


def install() -> bool | str:
    """Load the filter into this process (and every process it starts); True when it took."""
    if _LIBC is None or _BUFFER is None:
        return f"unavailable ({sys.platform}/{_MACHINE})"
    libc = _LIBC
    prog = _Prog(len(_CODE) // 8, ctypes.cast(_BUFFER, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"failed ({ctypes.get_errno()})"
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        return f"failed (errno {ctypes.get_errno()})"
    return True
