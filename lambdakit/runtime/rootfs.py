"""The file system an execution environment sees: what AWS's image holds for a Python
runtime and nothing of the host.

    /var/lang      the interpreter and its standard library (site-packages: the AWS SDK only)
    /var/runtime   the runtime itself (lambdakit's environment modules)
    /var/task      the function's code, read-only            (mounted at hand-over)
    /opt           the function's layers                     (mounted at hand-over)
    /tmp           ephemeral storage of the configured size  (mounted at hand-over)
    /usr /bin /lib the operating system's programs and libraries, read-only
    /etc           passwd/group naming sbx_user1051, hosts, resolver and TLS files
    /dev /proc     the usual devices, its own /dev/shm, a /proc of its own processes

Everything is built under `root` while the spare waits; sandbox.enter() pivots into it.
"""

import importlib.util
import os
import shutil
import sys

from . import mounts

# The SDK AWS ships in the Python runtime, with its dependencies (Python 3.11 and later
# keep them in /var/lang/lib/python3.x/site-packages).
SDK_MODULES = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six")
# AWS's Python runtime interface client and what it imports, kept in /var/runtime where it is
# installed (the test extra): lambdakit can run Python through the Runtime API with it.
RIC_MODULES = ("awslambdaric", "runtime_client", "snapshot_restore_py", "simplejson")
# Where a node from outside the system directories is seen (runtimes.py runs it from there).
NODE_INSIDE = "/var/runtime/bin/node"
# The handler's user on AWS (an image deployed to Lambda runs as uid 993, sbx_user1051).
USER, UID, GID = "sbx_user1051", 993, 990
_ETC_BINDS = ("ld.so.cache", "resolv.conf", "nsswitch.conf", "ssl", "ca-certificates", "pki",
              "localtime", "mime.types")
_DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
_SYSTEM = ("usr", "bin", "lib", "lib32", "lib64", "libx32", "sbin")
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def package_dir():
    """The host directory of the lambdakit package (bound at /var/runtime/lambdakit)."""
    return _PACKAGE_DIR


def python_dir():
    return f"python{sys.version_info[0]}.{sys.version_info[1]}"


def handler_sys_path(declared_runtime, task_root="/var/task", opt="/opt"):
    """sys.path as AWS's Python runtime sets it (checked on python3.13): the task root, the
    layers, the runtime's site-packages, /var/runtime, the standard library, then site-packages
    and the layers again. /var/lang paths follow the interpreter actually used; /opt paths the
    declared runtime (where a learner packages a layer for it)."""
    lang = f"/var/lang/lib/{python_dir()}"
    zipped = f"/var/lang/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip"
    layers = [f"{opt}/python/lib/{declared_runtime}/site-packages", f"{opt}/python"]
    return [task_root, *layers, f"{lang}/site-packages", "/var/runtime", zipped, lang,
            f"{lang}/lib-dynload", f"{lang}/site-packages", *layers]


def _module_paths(names):
    """Host paths of these top-level packages/modules (found without importing them)."""
    found = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        found.append(os.path.dirname(spec.origin) if spec.submodule_search_locations else spec.origin)
    return found


def _place(source, target):
    """A mount point of the same kind as `source` (directory or file)."""
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()


def _bind_into(root, source, inside):
    target = root + inside
    _place(source, target)
    mounts.bind(source, target)


def build(root, uid=UID):
    """Mount the environment's file system under `root` (an empty directory)."""
    mounts.mount("tmpfs", root, "tmpfs", mounts.MS_NOSUID | mounts.MS_NODEV, "size=1m,mode=755")
    for name in _SYSTEM:
        host = "/" + name
        if os.path.islink(host):
            os.symlink(os.readlink(host), root + host)
        elif os.path.isdir(host):
            _bind_into(root, host, host)
    sdk_in_lang = _build_lang(root)
    _build_runtime(root, with_sdk=not sdk_in_lang)
    _build_etc(root, uid)
    _build_dev(root)
    for inside in ("/var/task", "/opt", "/tmp", "/proc"):
        os.makedirs(root + inside, exist_ok=True)
    _shell_is_bash(root)
    # hidepid: the init (root, lambdakit's) is not among the processes the handler sees.
    mounts.mount("proc", root + "/proc", "proc", mounts.MS_NOSUID | mounts.MS_NODEV | mounts.MS_NOEXEC,
                 "hidepid=2")


def _shell_is_bash(root):
    """/bin/sh is bash on Amazon Linux (AWS's custom runtime tutorial relies on it: `source`,
    `set -o pipefail`); where the host's is another shell (Debian's dash), bash stands in its
    place in here."""
    shell, bash = os.path.realpath("/bin/sh"), os.path.realpath("/bin/bash")
    if os.path.basename(shell) != "bash" and os.path.isfile(bash):
        mounts.bind(bash, root + shell)


def _build_lang(root):
    """/var/lang, its site-packages holding the SDK only; False where the interpreter has no
    site-packages directory to mount it on (a distribution's Python: dist-packages)."""
    _bind_into(root, sys.base_prefix, "/var/lang")
    site = f"{root}/var/lang/lib/{python_dir()}/site-packages"
    if not os.path.isdir(site):
        return False
    # Whatever else the host interpreter has installed stays out: the SDK only.
    mounts.mount("tmpfs", site, "tmpfs", mounts.MS_NOSUID | mounts.MS_NODEV, "size=1m,mode=755")
    _bind_modules(site, SDK_MODULES)
    mounts.remount_read_only(site)
    return True


def _bind_modules(directory, names):
    for path in _module_paths(names):
        target = os.path.join(directory, os.path.basename(path))
        _place(path, target)
        mounts.bind(path, target)


def _build_runtime(root, with_sdk):
    """/var/runtime: lambdakit's runtime, AWS's runtime client, and the SDK when /var/lang
    could not hold it (where Python 3.8-3.10 runtimes keep it on AWS)."""
    runtime = root + "/var/runtime"
    os.makedirs(runtime)
    mounts.mount("tmpfs", runtime, "tmpfs", mounts.MS_NOSUID | mounts.MS_NODEV, "size=1m,mode=755")
    _bind_into(root, _PACKAGE_DIR, "/var/runtime/lambdakit")
    _bind_modules(runtime, RIC_MODULES + (SDK_MODULES if with_sdk else ()))
    _bind_node(root)
    mounts.remount_read_only(runtime)


def _bind_node(root):
    """A node installed outside the system directories (nvm, nodejs.org's build, npm's `node`)
    is bound at NODE_INSIDE, so Node.js functions run in here too (/usr/bin/node is seen as is)."""
    node = shutil.which("node")
    real = node and os.path.realpath(node)
    if real and real.split("/")[1] not in _SYSTEM:
        _bind_into(root, real, NODE_INSIDE)


def _build_etc(root, uid):
    etc = root + "/etc"
    os.makedirs(etc)
    gid = GID if uid == UID else uid  # outside a user namespace, the host ids themselves
    files = {
        "passwd": f"root:x:0:0:root:/root:/bin/bash\n{USER}:x:{uid}:{gid}::/home/{USER}:/sbin/nologin\n",
        "group": f"root:x:0:\n{USER}:x:{gid}:\n",
        "hosts": "127.0.0.1   localhost localhost.localdomain\n::1         localhost localhost.localdomain\n",
        "hostname": "localhost\n",
    }
    for name, text in files.items():
        with open(os.path.join(etc, name), "w") as f:
            f.write(text)
    for name in _ETC_BINDS:
        host = "/etc/" + name
        if os.path.exists(host) and not os.path.islink(host):
            _bind_into(root, host, host)
        elif os.path.islink(host) and os.path.exists(host):
            _bind_into(root, os.path.realpath(host), host)


def _build_dev(root):
    dev = root + "/dev"
    os.makedirs(dev)
    mounts.mount("tmpfs", dev, "tmpfs", mounts.MS_NOSUID, "size=64k,mode=755")
    for name in _DEVICES:
        if os.path.exists("/dev/" + name):
            open(os.path.join(dev, name), "a").close()
            mounts.bind("/dev/" + name, os.path.join(dev, name), read_only=False)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, os.path.join(dev, name))
    os.makedirs(os.path.join(dev, "shm"))
    mounts.mount("tmpfs", os.path.join(dev, "shm"), "tmpfs", mounts.MS_NOSUID | mounts.MS_NODEV,
                 "size=64m,mode=1777")
