"""Ending what is left of runtimes: every process of their environments' sessions, found in
one pass over /proc (a handler's children stay in its session unless they leave it on
purpose, and then its cgroup or PID namespace still holds them), and the state directories
of runtimes whose process died without closing them."""

import os
import shutil
import signal
import tempfile


def session_members(sessions):
    """PIDs of the processes whose session is one of `sessions` (none where there is no /proc)."""
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) in sessions:
            found.append(int(entry))
    return found


def kill_sessions(sessions):
    """SIGKILL every process of `sessions` (stopped ones too: a frozen environment dies as well)."""
    for pid in session_members(set(sessions)):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


STATE_PREFIX = "lambdakit-"


def new_state_dir():
    """A runtime's own directory, named after its process ("lambdakit-PID-xxxxxxxx"); the
    directories of processes that died without closing their runtime are removed first."""
    root = tempfile.gettempdir()
    for name in os.listdir(root):
        owner = name[len(STATE_PREFIX):].split("-", 1)[0]
        if name.startswith(STATE_PREFIX) and owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{STATE_PREFIX}{os.getpid()}-", dir=root)


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
