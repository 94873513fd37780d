"""The Linux system calls the sandbox is made of (mount, namespaces, pivot_root,
capabilities), through libc: Python 3.11's os module has none of them."""

import ctypes
import os
import platform

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 8, 32, 4096, 16384, 1 << 18)
MNT_DETACH = 2
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 4, 38
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 217}
_CAP_VERSION_3 = 0x20080522

_libc = None


def call(name, *args):
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if getattr(_libc, name)(*args) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{name}: {os.strerror(errno)}")


def mount(source, target, fstype, flags, data=None):
    call("mount", source and source.encode(), target.encode(), fstype and fstype.encode(),
         ctypes.c_ulong(flags), data and data.encode())


def remount_read_only(target):
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def bind(source, target, read_only=True):
    mount(source, target, None, MS_BIND | MS_REC)
    if read_only:
        remount_read_only(target)


def unshare(flags):
    call("unshare", ctypes.c_int(flags))


def setns(fd, flags):
    call("setns", ctypes.c_int(fd), ctypes.c_int(flags))


def umount(target, flags=0):
    call("umount2", target.encode(), ctypes.c_int(flags))


def pivot_root(new_root, put_old):
    number = _SYS_PIVOT_ROOT[platform.machine()]
    call("syscall", ctypes.c_long(number), new_root.encode(), put_old.encode())


def prctl(option, value):
    call("prctl", ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0),
         ctypes.c_ulong(0))


def drop_capabilities():
    """No capability left, and none to be had again through exec (setuid or file capabilities)."""
    header = (ctypes.c_uint32 * 2)(_CAP_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    call("capset", header, data)
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def pivot_supported():
    return platform.machine() in _SYS_PIVOT_ROOT
