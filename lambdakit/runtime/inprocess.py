"""Execution environments inside the kernel's own interpreter, for Pyodide (the course in the
browser), where there are no processes to fork, no threads and no signals.

Each environment is bootstrap's Environment (the same handler loading, error payloads, logs and
JSON records) run in this interpreter: its modules, environment variables, sys.path, working
directory, /tmp and clock are swapped in while its INIT or invoke runs and swapped out after, so
INIT runs once per environment, globals persist across warm invokes and a new environment starts
clean. Handler code that runs past the function's timeout is stopped by an execution budget (a
trace hook checking real time) with AWS's Sandbox.Timedout. What a shared interpreter cannot do
is said in ISOLATION: no memory limit, no isolation from the kernel.

Virtual clock only: the real clock's durations would be the browser's, not Lambda's.
"""

import importlib
import logging
import os
import shutil
import sys

from . import bootstrap, envtime
from .environment import ExecutionEnvironment

# The runtime picks this backend by itself where processes cannot be started.
ONLY_BACKEND = sys.platform == "emscripten"
# Where environments' /tmp is swapped in (tests point it at a directory of their own).
TMP = "/tmp"
# How many loop iterations (or traced instructions) run between two looks at the clock.
BUDGET_CHECK_EVERY = 1024
# sys.monitoring's tool id the budget takes (the one CPython names for optimizers, unused by
# debuggers and profilers).
BUDGET_TOOL = 5
ISOLATION = {"sandbox": False, "private_tmp_and_var_task": False,
             "process_and_cpu_limits_by_cgroup": False, "memory_by_cgroup": False,
             "interpreter": f"python{sys.version_info[0]}.{sys.version_info[1]} (in the browser)",
             "note": "in-process environments (Pyodide): each has its own modules, globals, environment "
                     "variables and /tmp, and is stopped at its timeout, but all share the kernel's "
                     "interpreter and memory: the memory size is not enforced and handler code can "
                     "reach the kernel"}
CARD_NOTE = "in the browser: memory size not enforced, no isolation from the notebook"


class _Stopped(BaseException):
    """The environment reported a deadline or ran out of memory: it runs no further."""


class _Exited(BaseException):
    """Handler code called sys.exit(): the environment's runtime is gone."""


class _Pipe:
    """The service's side of an in-process environment's channel: replies queue here."""

    def __init__(self):
        self.replies = []

    def recv(self):
        if not self.replies:
            raise EOFError
        return self.replies.pop(0)

    def close(self):
        self.replies.clear()


class _RuntimeSide:
    """bootstrap's side of the channel: its replies go to the pipe; waiting to be stopped
    (after a deadline) ends the phase instead of blocking the only thread there is."""

    def __init__(self, pipe):
        self.pipe = pipe

    def send(self, message, blob=b""):
        self.pipe.replies.append((list(message), blob))

    def recv(self):
        raise _Stopped()


class _InterpreterRuntime(bootstrap.Environment):
    """bootstrap's Environment, for an interpreter it shares with the kernel."""

    def _usage(self):
        # The interpreter's peak memory is the kernel's: nothing of it is this environment's.
        return self.clock.declared_cpu_ms, 0

    def _die_out_of_memory(self):
        self._reply("oom")
        raise _Stopped()


class _Budget:
    """Stops handler code at a real-time deadline: a hook on backward jumps (loops) looks at the
    clock every BUDGET_CHECK_EVERY of them and raises envtime.DeadlineReached, which bootstrap
    reports as a deadline. sys.monitoring's JUMP event where there is one (Python 3.12+, as in
    Pyodide), else a trace function on every instruction (slower; it serves the tests on 3.11)."""

    def __init__(self, seconds):
        self.deadline = envtime._REAL["monotonic"]() + seconds
        self.ticks = 0
        self.monitoring = getattr(sys, "monitoring", None)

    def tick(self, *_):
        self.ticks += 1
        if self.ticks % BUDGET_CHECK_EVERY == 0 and envtime._REAL["monotonic"]() >= self.deadline:
            raise envtime.DeadlineReached()

    def _trace(self, frame, event, arg):
        if event == "call":
            frame.f_trace_opcodes, frame.f_trace_lines = True, False
        elif event == "opcode":
            self.tick()
        return self._trace

    def __enter__(self):
        monitoring = self.monitoring
        if monitoring is not None:
            try:
                monitoring.use_tool_id(BUDGET_TOOL, "lambdakit execution budget")
            except ValueError:  # another tool (a debugger) has the id: trace instead
                self.monitoring = monitoring = None
        if monitoring is not None:
            monitoring.register_callback(BUDGET_TOOL, monitoring.events.JUMP, self.tick)
            monitoring.set_events(BUDGET_TOOL, monitoring.events.JUMP)
        else:
            self.previous_trace = sys.gettrace()
            sys.settrace(self._trace)
        return self

    def __exit__(self, *_):
        monitoring = self.monitoring
        if monitoring is not None:
            monitoring.set_events(BUDGET_TOOL, 0)
            monitoring.register_callback(BUDGET_TOOL, monitoring.events.JUMP, None)
            monitoring.free_tool_id(BUDGET_TOOL)
        else:
            sys.settrace(self.previous_trace)


class InterpreterBackend:
    """Stands in for the zygote (it starts environments) and the cgroup factory (there are no
    cgroups), and is the pool's watchdog (the budget does a watchdog's work)."""

    alive = True
    available = counts_memory = False

    def __init__(self, clock):
        if not clock.virtual:
            raise RuntimeError("lambdakit in the browser runs on the virtual clock only "
                               "(Runtime(clock='virtual'), the default)")
        self.exits = {}

    # the zygote's part
    def replenish(self):
        pass

    def wait_exit(self, pid, timeout=None):
        return self.exits.pop(pid, None)

    def has_exited(self, pid):
        return pid in self.exits

    def forget_exit(self, pid):
        self.exits.pop(pid, None)

    def close(self):
        pass

    # the cgroup factory's part
    def take(self, *args):
        return None

    def make_ahead(self, *args):
        pass

    def remove_session(self):
        pass

    # the watchdog's part: nothing to sample; a reason is never set from outside
    def watch(self, env, timeout_s, memory_mb):
        return _NoWatch()

    def unwatch(self, env):
        pass


class _NoWatch:
    peak_kb = 0
    reason = None


class InProcessEnvironment(ExecutionEnvironment):
    """One execution environment in this interpreter. INIT runs when it starts, an invoke when
    it is sent; their replies wait in its pipe for the invocation to receive."""

    def start(self, backend, spec, cgroup):
        self.zygote, self.cgroup, self.spec = backend, None, spec
        self.pid = self.id
        self.channel = _Pipe()
        self.modules = {}
        self.environ = dict(spec["env"])
        self.tmp = spec["tmp_dir"]
        os.makedirs(self.tmp, exist_ok=True)
        self.alive = True
        self.runtime = None
        capture = bootstrap.OutputCapture(0, None)
        handler = logging.StreamHandler(bootstrap.CaptureStream(capture, 1))
        handler.terminator = ""
        handler.addFilter(bootstrap.RequestIdFilter())
        self._streams = (bootstrap.CaptureStream(capture, 1), bootstrap.CaptureStream(capture, 2), handler)
        self._run(spec["init_timeout_ms"] / 1000.0, lambda: self._first_init((capture, handler)))

    def _first_init(self, output):
        self.runtime = _InterpreterRuntime(_RuntimeSide(self.channel), self.spec, None, output)
        if not self.runtime.init():
            self._exit(1)  # awslambdaric exits after reporting an INIT error

    def send(self, message, blob=b"", stream=None):  # Python never streams (environment.send)
        if not self.alive:
            return False
        if message[0] == "invoke":
            self._run(self.config.timeout, lambda: self.runtime.invoke(message[1], blob))
        return True

    def _exit(self, code):
        self.zygote.exits[self.pid] = (code & 0xFF) << 8  # a wait status, as os.waitpid gives
        self.alive = False

    def _run(self, budget_s, phase):
        """Run one phase with this environment swapped in, then swap the kernel back."""
        saved = _Swap(self)
        try:
            with _Budget(budget_s):
                phase()
        except _Stopped:
            self.alive = False
        except SystemExit as e:
            self._exit(e.code if isinstance(e.code, int) else (0 if e.code is None else 1))
        finally:
            saved.restore()

    # An interpreter's environment is never frozen, never dies while idle, and has no memory
    # of its own to measure.
    def freeze(self):
        pass

    def thaw(self):
        pass

    def idle_and_well(self):
        return self.alive

    def answered(self):
        return False

    def rss_kb(self):
        return 0

    def kill(self):
        self.alive = False

    def close(self, graceful=True):
        self.alive = False
        self.modules.clear()
        if self.channel is not None:
            self.channel.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class _Swap:
    """Puts an environment's modules, environment variables, sys.path, working directory,
    /tmp, streams, logging and clock in place of the kernel's; restore() swaps them back and
    keeps what the environment changed for its next invoke."""

    def __init__(self, env):
        self.env = env
        self.modules = set(sys.modules)
        sys.modules.update(env.modules)
        self.environ = dict(os.environ)
        os.environ.clear()
        os.environ.update(env.environ)
        self.path, sys.path[:] = sys.path[:], env.spec["sys_path"]
        importlib.invalidate_caches()  # a new version's code may sit where an old one's was
        self.cwd = os.getcwd()
        os.chdir(env.spec["code_dir"])
        self.kernel_tmp = env.tmp + ".kernel"
        _move_entries(TMP, self.kernel_tmp, keep=_kept_in_tmp(env))
        _move_entries(env.tmp, TMP)
        self.streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr, handler = env._streams
        root = logging.getLogger()
        self.root = root.handlers[:], root.level, logging.Formatter.converter
        root.handlers[:] = [handler]
        self.clock = envtime.current
        if env.runtime is not None:
            envtime.current = env.runtime.clock
            env.runtime.clock.install()
            bootstrap.configure_logging(handler, env.spec["log_format"])

    def restore(self):
        env = self.env
        if env.runtime is not None:
            envtime.restore_real_time()
        envtime.current = self.clock
        root = logging.getLogger()
        root.handlers[:], level, logging.Formatter.converter = self.root
        root.setLevel(level)
        sys.stdout, sys.stderr = self.streams
        _move_entries(TMP, env.tmp, keep=_kept_in_tmp(env))
        _move_entries(self.kernel_tmp, TMP)
        os.rmdir(self.kernel_tmp)
        os.chdir(self.cwd)
        sys.path[:] = self.path
        env.environ = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.environ)
        env.modules = {name: sys.modules.pop(name) for name in set(sys.modules) - self.modules}


def _kept_in_tmp(env):
    """The runtime's own directory stays in /tmp: the environment's code and /tmp are in it."""
    state = os.path.relpath(env.tmp, TMP).split(os.sep)[0]
    return {state}


def _move_entries(source, target, keep=()):
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(source):
        if name not in keep:
            os.rename(os.path.join(source, name), os.path.join(target, name))
