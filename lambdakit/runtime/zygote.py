"""The zygote: a single-threaded process that forks execution environments on request.

Forking a process that has already imported the runtime makes a new environment cost a
few milliseconds instead of a fresh interpreter's tens. The kernel is multi-threaded, so
it never forks itself; it asks the zygote over a SOCK_SEQPACKET socket, passing the
environment's end of its pipe as a file descriptor.

The zygote imports only what environments need, never the kernel-side `lambdakit`
package (magics, widgets, plotting): fork time grows with the parent's memory, and every
page the child touches afterwards is copied. environment.LAUNCH starts it with a bare
`lambdakit` package object whose submodules load on demand.

The zygote keeps one spare child forked ahead and gives the service its pid and a socket
to it: ["spare", pid] with one descriptor attached. The service hands the spare its spec
and its pipe directly, and asks the zygote for the next one with ["fork"]. The zygote also
reports ["exited", pid, wait_status] for every child it reaps. Every message is JSON.
"""

import gc
import json
import os
import select
import signal
import socket
import sys

# Imported here, before any fork, so every environment starts with them loaded.
import base64, datetime, decimal, importlib, json, logging, resource, traceback, uuid  # noqa: E401,F401

from . import bootstrap, envtime, reaper, runtimes, sandbox
from .channel import Channel

MAX_MESSAGE = 1 << 20


def run_environment(spec, fd, prepared):
    """In the forked child: become the environment and never return. `prepared` is what
    the spare set up while it waited: (output descriptor, (capture, log handler))."""
    try:
        if isinstance(prepared, BaseException):
            raise prepared
        out, output = prepared
        out, task_root = sandbox.enter(spec, out)
        if spec.get("command"):  # a runtime that speaks the Runtime API: it becomes this process
            runtimes.exec_runtime(spec, fd, task_root)
        sys.path[:] = spec["sys_path"]
        env = bootstrap.Environment(Channel.from_fd(fd), spec, out, output)
    except BaseException as e:  # the sandbox itself failed: say why on the pipe, then die
        try:
            Channel.from_fd(fd).send(["sandbox_error", f"{type(e).__name__}: {e}"])
        finally:
            os._exit(70)
    try:
        env.serve()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        os._exit(code)
    except BaseException:
        os._exit(1)


def serve(sock, namespaces):
    wakeup_r, wakeup_w = os.pipe()
    os.set_blocking(wakeup_w, False)
    signal.set_wakeup_fd(wakeup_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    inherited = (sock.fileno(), wakeup_r, wakeup_w)
    children = set()  # spares and environments not reaped yet; each leads its own session
    try:
        _offer_spare(sock, inherited, namespaces, children)
        while True:
            try:
                ready, _, _ = select.select([sock, wakeup_r], [], [])
            except InterruptedError:
                continue
            if wakeup_r in ready:
                os.read(wakeup_r, 4096)
                _reap(sock, children)
            if sock in ready:
                try:
                    request = sock.recv(MAX_MESSAGE)
                except OSError:
                    request = b""
                if not request:
                    return
                _offer_spare(sock, inherited, namespaces, children)  # ["fork"]: a spare became an environment
    except OSError:
        return  # the service went while we answered it (a kernel killed mid-request)
    finally:
        # The service has closed, or its kernel died: a frozen environment would never
        # notice, so end every child and its session, then wait for them.
        reaper.kill_sessions(children)
        _wait_for_children()


def _offer_spare(sock, inherited, namespaces, children):
    """Fork a spare and give the service its pid and the socket to hand it its work on."""
    pid, control = _fork_spare(inherited, namespaces)
    children.add(pid)
    socket.send_fds(sock, [json.dumps(["spare", pid]).encode()], [control.fileno()])
    control.close()


def _fork_spare(inherited, namespaces):
    """Fork the next environment before it is asked for, so a cold start does not wait for
    fork() (which takes milliseconds here). It waits for its spec and pipe from the service,
    then starts."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = sandbox.fork(namespaces)
    if pid == 0:
        ours.close()
        for fd in inherited:
            os.close(fd)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            prepared = sandbox.prepare(namespaces), bootstrap.prepare_output()
        except BaseException as e:  # reported on the environment's pipe once it has one
            prepared = e
        try:
            data, fds, _, _ = socket.recv_fds(theirs, MAX_MESSAGE, 1)
        except OSError:
            data = b""
        if not data:
            os._exit(0)  # the service has gone, and with it any need for this one
        theirs.close()
        gc.enable()
        run_environment(json.loads(data), fds[0], prepared)
    theirs.close()
    return pid, ours


def _wait_for_children():
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _reap(sock, children):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        try:
            sock.send(json.dumps(["exited", pid, status]).encode())
        except OSError:
            pass  # the service has gone; the loop finds out and ends the rest


def _load_whole_package(name):
    """Handler code asked `lambdakit` for more than `work`: load the real package after all."""
    package = sys.modules["lambdakit"]
    del package.__getattr__
    init = os.path.join(package.__path__[0], "__init__.py")
    package.__file__ = init
    with open(init) as f:
        exec(compile(f.read(), init, "exec"), package.__dict__)
    try:
        return package.__dict__[name]
    except KeyError:
        raise AttributeError(f"module 'lambdakit' has no attribute {name!r}") from None


def main(fd, namespaces):
    sandbox.relaunch_zygote(namespaces)
    package = sys.modules["lambdakit"]
    package.work = envtime.work  # `from lambdakit import work` in handler code
    package.__getattr__ = _load_whole_package
    # Objects alive now are shared with every environment; keep the collector off them
    # so it does not copy their pages in each child.
    gc.disable()
    gc.freeze()
    serve(socket.socket(fileno=fd), namespaces)
