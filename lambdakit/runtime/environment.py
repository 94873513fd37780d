"""Execution environments as seen from the service: real processes forked by the zygote,
watched for their timeout and memory size, and killed when they overstep.
"""

import collections
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from . import messages
from .channel import Channel, ProtocolError

log = logging.getLogger("lambdakit.runtime")

# How often the watchdog looks at busy environments' clocks and memory. An invocation
# shorter than this is never sampled: the environment reports its own peak at the end.
WATCH_INTERVAL_S = 0.005
# How the zygote is started: `python -c LAUNCH PACKAGE_DIR SOCKET_FD NAMESPACES`, with a bare
# `lambdakit` package so that the kernel-side package (and what it imports) stays out of it.
LAUNCH = """
import sys, types
package = types.ModuleType("lambdakit")
package.__path__ = [sys.argv[1]]
sys.modules["lambdakit"] = package
from lambdakit.runtime import zygote
zygote.main(int(sys.argv[2]), sys.argv[3] or False)
"""
# Exit statuses the zygote reported and nobody has collected yet, kept for a while.
EXITS_KEPT = 1_000
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Go's names for signals, which is how AWS words "Runtime exited with error: signal: ...".
_SIGNAL_TEXT = {
    signal.SIGSEGV: "segmentation fault", signal.SIGKILL: "killed", signal.SIGABRT: "aborted",
    signal.SIGTERM: "terminated", signal.SIGBUS: "bus error", signal.SIGFPE: "floating point exception",
    signal.SIGILL: "illegal instruction", signal.SIGINT: "interrupt", signal.SIGHUP: "hangup",
    signal.SIGPIPE: "broken pipe", signal.SIGQUIT: "quit", signal.SIGTRAP: "trace/breakpoint trap",
    signal.SIGUSR1: "user defined signal 1", signal.SIGUSR2: "user defined signal 2",
}


def exit_text(wait_status):
    """AWS's wording for how a runtime process ended, e.g. 'exit status 1'."""
    if wait_status is None:
        return "signal: killed"
    if os.WIFSIGNALED(wait_status):
        number = os.WTERMSIG(wait_status)
        return "signal: " + _SIGNAL_TEXT.get(number, f"signal {number}")
    return f"exit status {os.WEXITSTATUS(wait_status)}"


class ZygoteStopped(Exception):
    """The zygote has died or stopped answering: the pool starts another and tries again."""


def _zygote_message(data, fds):
    """A message from the zygote, ["spare", pid] (with its socket) or ["exited", pid, status],
    or None: JSON and checked, like everything the service reads from its processes."""
    try:
        message = json.loads(data)
    except ValueError:
        return None
    if isinstance(message, list) and all(type(v) is int for v in message[1:]):
        if message[:1] == ["spare"] and len(message) == 2 and len(fds) == 1:
            return message
        if message[:1] == ["exited"] and len(message) == 3 and not fds:
            return message
    return None


class Zygote:
    """The service's handle on the zygote process."""

    def __init__(self, env, log_path, namespaces):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", LAUNCH, _PACKAGE_DIR, str(theirs.fileno()),
                 namespaces or ""],
                pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=log, start_new_session=True)
        theirs.close()
        self.sock = ours
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._spares = collections.deque()  # (pid, socket to it), forked ahead by the zygote
        self._owed = 0                       # spares used and not asked for again yet
        self._waiting = 0                    # threads waiting in spawn() for a spare
        self._exits = {}
        threading.Thread(target=self._read, name="lambdakit-zygote", daemon=True).start()

    def _read(self):
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.sock, 1 << 16, 1)
            except OSError:
                data = b""
            if not data:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            message = _zygote_message(data, fds)
            if message is None:
                log.error("lambdakit: a message from the zygote that is not one; ignored")
                for fd in fds:
                    os.close(fd)
                continue
            with self._cond:
                if message[0] == "spare":
                    self._spares.append((message[1], socket.socket(fileno=fds[0])))
                else:
                    self._exits[message[1]] = message[2]
                    if len(self._exits) > EXITS_KEPT:  # statuses nobody asked for (forgotten)
                        del self._exits[next(iter(self._exits))]
                self._cond.notify_all()

    _closed = False

    @property
    def alive(self):
        return not self._closed and self.process.poll() is None

    def spawn(self, spec):
        """Hand a spare its environment's spec and pipe; return (pid, channel to it).

        The spare it used is owed: replenish() asks for it once the environment's INIT is
        done (a fork meanwhile would slow that INIT down), or at once if others are waiting."""
        message = json.dumps(spec).encode()
        while True:
            if not self._spares:
                self.replenish()  # someone (this thread) waits for one now
            with self._cond:
                self._waiting += 1
                try:
                    if not self._cond.wait_for(lambda: self._spares or self._closed, timeout=30):
                        raise ZygoteStopped("the environment zygote did not answer")
                finally:
                    self._waiting -= 1
                if not self._spares:
                    raise ZygoteStopped("the environment zygote has stopped")
                pid, control = self._spares.popleft()
                self._owed += 1
                others_waiting = self._waiting > 0
            if others_waiting:
                self.replenish()
            ours, theirs = socket.socketpair()
            try:
                socket.send_fds(control, [message], [theirs.fileno()])
            except OSError:  # that spare was killed from outside; the next one will do
                ours.close()
                continue
            finally:
                theirs.close()
                control.close()
            return pid, Channel(ours, max_blob=spec["response_max_bytes"])

    def replenish(self):
        """Ask the zygote for the spares owed (if it has died, the next spawn finds out and
        the service starts another zygote)."""
        with self._cond:
            owed, self._owed = self._owed, 0
        try:
            with self._send_lock:
                for _ in range(owed):
                    self.sock.send(b'["fork"]')
        except OSError:
            pass

    def wait_exit(self, pid, timeout=2.0):
        """The wait status of an environment process, once the zygote has reaped it."""
        with self._cond:
            self._cond.wait_for(lambda: pid in self._exits or self._closed, timeout=timeout)
            return self._exits.pop(pid, None)

    def has_exited(self, pid):
        return pid in self._exits

    def forget_exit(self, pid):
        with self._cond:
            self._exits.pop(pid, None)

    def close(self):
        with self._cond:
            for _, control in self._spares:
                control.close()  # a spare ends when its socket closes
            self._spares.clear()
        try:
            # shutdown, not just close: the reader thread is blocked in recv() on this socket,
            # and until that returns the zygote would not see it closed.
            self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()
        except OSError:
            pass
        finally:
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class Watch:
    deadline: float | None      # time.monotonic() after which the process is killed
    memory_limit_kb: int
    sample_from: float          # time.monotonic() after which its memory is sampled
    peak_kb: int = 0            # highest resident memory the watchdog saw
    reason: str | None = None   # set when the watchdog killed it: "timeout" or "oom"


class Watchdog:
    """One thread that enforces timeouts and memory sizes of all busy environments.

    Registering a watch takes no lock and wakes nobody unless the thread is idle: a warm
    invoke costs a fraction of a millisecond, and waking a thread for each one would be
    a good part of that."""

    def __init__(self):
        self._watches = {}          # env -> Watch; single dict operations are atomic
        # Held while a watch ends and while the thread kills for one: the thread works from a
        # snapshot, and on a busy kernel the watch it holds may belong to an invocation that
        # has ended, while the environment already runs the next one.
        self._kill_lock = threading.Lock()
        self._cond = threading.Condition()
        self._idle = False
        threading.Thread(target=self._run, name="lambdakit-watchdog", daemon=True).start()

    def watch(self, env, timeout_s, memory_mb):
        now = time.monotonic()
        watch = Watch(None if timeout_s is None else now + timeout_s, memory_mb * 1024,
                      now + WATCH_INTERVAL_S)
        self._watches[env] = watch
        if self._idle:
            with self._cond:
                self._cond.notify()
        return watch

    def unwatch(self, env):
        with self._kill_lock:
            self._watches.pop(env, None)

    def _run(self):
        while True:
            if not self._watches:
                with self._cond:
                    self._idle = True
                    self._cond.wait_for(lambda: self._watches)
                    self._idle = False
            time.sleep(WATCH_INTERVAL_S)
            now = time.monotonic()
            for env, watch in list(self._watches.items()):
                try:
                    self._check(env, watch, now)
                except Exception:  # one environment's trouble must not end the watch over all
                    log.exception("lambdakit watchdog: checking %s failed", env.id)

    def _check(self, env, watch, now):
        if watch.reason or now < watch.sample_from:
            return
        rss = env.rss_kb()
        watch.peak_kb = max(watch.peak_kb, rss)
        if watch.deadline is not None and now >= watch.deadline and not env.answered():
            reason = "timeout"
        elif rss > watch.memory_limit_kb:
            reason = "oom"
        else:
            return
        with self._kill_lock:
            if self._watches.get(env) is watch:  # still the invocation it was made for
                watch.reason = reason
                env.kill()


class ExecutionEnvironment:
    """One execution environment: a process, its pipe and its bookkeeping."""

    def __init__(self, env_id, function_name, version, config, log_stream, created_ms,
                 initialization_type="on-demand"):
        self.id = env_id
        self.function_name = function_name
        self.version = version
        self.config = config
        self.log_stream = log_stream
        self.created_ms = created_ms
        self.initialization_type = initialization_type
        self.pid = None
        self.zygote = None
        self.channel = None
        self.cgroup = None
        self.cpu_share = None  # the memory size's CPU share its cgroup holds it to after INIT
        self.alive = False
        self.busy = False
        self.free_at_ms = created_ms   # clock time its current work ends
        self.last_used_ms = created_ms
        self.invocations = 0
        self.base_rss_kb = 0
        self.frozen = False
        self.violation = None  # why the service ended it, when it broke the channel's rules

    def start(self, zygote, spec, cgroup):
        self.zygote, self.cgroup = zygote, cgroup
        spec["cgroup_procs"] = cgroup.procs_files if cgroup else []
        self.pid, self.channel = zygote.spawn(spec)
        self.alive = True

    def end_init_burst(self):
        """INIT is over: from now on the environment runs at its memory size's CPU share."""
        if self.cgroup is not None and self.cpu_share is not None:
            self.cgroup.set_cpu_share(self.cpu_share)

    def receive(self, kinds):
        """The next message from the process (a messages.Reply of one of `kinds`), or None
        if it died. A process that sends anything else is killed: its pipe is open to
        handler code, and the service trusts none of what comes through it."""
        try:
            reply = messages.parse(*self.channel.recv())
            if reply.kind not in kinds:
                raise ProtocolError(f"a message out of turn ({reply.kind!r})")
            return reply
        except (EOFError, OSError):
            return None
        except ProtocolError as e:
            self.violation = str(e)
            self.kill()
            return None

    def send(self, message, blob=b"", stream=None):
        """Send the process a message. `stream` (a streaming invocation's ResponseStream) is
        for runtimes that stream through the Runtime API; lambdakit's Python runtime, like AWS's
        managed Python runtime, cannot stream, so its response always comes whole."""
        try:
            self.channel.send(message, blob)
            return True
        except OSError:
            return False

    def freeze(self):
        """Nothing of an idle environment runs, as Lambda freezes it between invocations:
        its process group is stopped until thaw(). (A stop signal costs microseconds; the
        cgroup freezer hundreds of them. A process that left the group keeps running.)"""
        self._signal_group(signal.SIGSTOP)
        self.frozen = True

    def thaw(self):
        if self.frozen:
            self.frozen = False
            self._signal_group(signal.SIGCONT)

    def _signal_group(self, number):
        try:
            os.killpg(self.pid, number)  # the environment leads its own session and group
        except (ProcessLookupError, PermissionError):
            pass

    def idle_and_well(self):
        """Whether an idle environment can take a request: it has neither gone (its pipe's
        end is readable then, or the zygote has reaped it) nor said anything unasked."""
        return not self.answered() and not self.zygote.has_exited(self.pid)

    def answered(self):
        """Whether the process has answered (or gone) and the service has not read it yet:
        then it finished in time, whatever the clock says now that its thread runs again."""
        try:
            return self.channel is not None and self.channel.readable()
        except (OSError, ValueError):
            return True  # closed meanwhile: it is being stopped anyway

    def rss_kb(self):
        """Resident memory of the runtime process, plus the anonymous memory of what it
        started where a memory cgroup counts the whole environment."""
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as f:
                fields = f.read().split()
            resident, shared = int(fields[1]) * _PAGE_KB, int(fields[2]) * _PAGE_KB
        except (OSError, ValueError, IndexError):
            return 0
        group_anon = self.cgroup.anon_kb() if self.cgroup is not None else None
        if group_anon is None:
            return resident
        return resident + max(0, group_anon - (resident - shared))

    def killed_for_memory(self):
        """Whether the kernel ended it at its memory group's hard limit."""
        return self.cgroup is not None and self.cgroup.oom_kills() > 0

    def unread_output(self):
        """What the process wrote that no message carried, once it has ended (a runtime that
        speaks the Runtime API writes its logs straight to the pipe: foreign.py)."""
        return ""

    def kill(self):
        """Stop the environment and everything it started."""
        if self.pid is None:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.cgroup:
            self.cgroup.kill_all()

    def close(self, graceful=True):
        """SHUTDOWN: ask the process to exit, make sure it did, release its resources."""
        if not self.alive:
            return
        self.alive = False
        if graceful:
            self.thaw()
            self.send(["shutdown"])
        self.kill()
        if self.channel is not None:
            self.channel.close()
        if graceful:
            self.zygote.wait_exit(self.pid, timeout=0.5)
        else:
            self.zygote.forget_exit(self.pid)
        if self.cgroup:
            self.cgroup.kill_all(wait_s=2.0)  # what the environment started, wherever it went
            self.cgroup.remove()
