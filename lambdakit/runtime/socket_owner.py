"""Which processes hold a TCP connection on 127.0.0.1: read from the kernel's socket table
(/proc/net/tcp) and the processes' descriptors (/proc/PID/fd).

An environment's Runtime API listens on the host's loopback, where any process could connect,
another function's handler among them; the server serves only connections that a process of
its own environment opened (runtime_api.py).
"""

import os

_LOOPBACK_HEX = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it (little-endian)


def connection_inode(client_port, server_port):
    """The socket inode of the client's end of 127.0.0.1:client_port -> 127.0.0.1:server_port,
    or None if there is no such connection."""
    local = f"{_LOOPBACK_HEX}:{client_port:04X}"
    remote = f"{_LOOPBACK_HEX}:{server_port:04X}"
    try:
        with open("/proc/net/tcp") as table:
            next(table)
            for line in table:
                fields = line.split()
                if fields[1] == local and fields[2] == remote:
                    return fields[9]
    except (OSError, IndexError, StopIteration):
        return None
    return None


def held_by(inode, pids):
    """Whether one of `pids` has the socket `inode` open."""
    target = f"socket:[{inode}]"
    for pid in pids:
        directory = f"/proc/{pid}/fd"
        try:
            descriptors = os.listdir(directory)
        except OSError:
            continue
        for fd in descriptors:
            try:
                if os.readlink(f"{directory}/{fd}") == target:
                    return True
            except OSError:
                continue
    return False


def descendants(pid):
    """`pid` and every process under it (/proc/PID/task/TID/children), where no cgroup lists them."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    pending.extend(int(child) for child in f.read().split())
        except OSError:
            continue
    return found
