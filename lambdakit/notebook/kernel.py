"""The "Python 3 (lambdakit)" Jupyter kernel: IPython with the lambdakit extension loaded.

The kernel loads `lambdakit.notebook.magics` as its extension, so a notebook's own
`%load_ext lambdakit` (which keeps it working in any Python kernel) is silent here.
The spec is kernelspec/kernel.json; a wheel also installs that file into its environment's
share/jupyter/kernels, where its "python" means the Python that Jupyter runs on.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "lambdakit"
SPEC = json.loads((Path(__file__).parent / "kernelspec" / "kernel.json").read_text(encoding="utf-8"))
DISPLAY_NAME = SPEC["display_name"]


def install_kernel(user=False, sys_prefix=False, prefix=None):
    """Install the kernelspec, running this Python, and return the directory it went to.

    `user`: the user's Jupyter data dir; `sys_prefix`: this Python environment's;
    `prefix`: any prefix. With none of them: sys_prefix inside a virtual environment,
    otherwise the user's directory (never system-wide by surprise).
    """
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    if sum(map(bool, (user, sys_prefix, prefix))) > 1:
        raise ValueError("choose one of user, sys_prefix and prefix")
    if not (user or sys_prefix or prefix):
        sys_prefix, user = (True, False) if sys.prefix != sys.base_prefix else (False, True)
    with tempfile.TemporaryDirectory() as staging:
        # ipykernel's spec (logos, metadata) with our name and arguments, pinned to this Python
        spec_dir = write_kernel_spec(os.path.join(staging, KERNEL_NAME), overrides={
            "display_name": DISPLAY_NAME, "argv": [sys.executable, *SPEC["argv"][1:]]})
        return KernelSpecManager().install_kernel_spec(
            spec_dir, KERNEL_NAME, user=user, prefix=sys.prefix if sys_prefix else prefix)


def runs_this_python(argv):
    """Whether a kernelspec's argv starts this Python (jupyter_client maps "python" to it)."""
    major, minor = sys.version_info[:2]
    if argv[0] in ("python", f"python{major}", f"python{major}.{minor}"):
        return True
    return os.path.exists(argv[0]) and os.path.samefile(argv[0], sys.executable)


def find_kernel():
    """The installed "lambdakit" kernelspec Jupyter would start, or None."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        return KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        return None
