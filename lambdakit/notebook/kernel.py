"""The "Python 3 (lambdakit)" Jupyter kernel: IPython with the lambdakit extension loaded.

The kernel loads `lambdakit.notebook.magics` as its extension, so a notebook's own
`%load_ext lambdakit` (which keeps it working in any Python kernel) is silent here.
"""

import os
import sys
import tempfile

KERNEL_NAME = "lambdakit"
DISPLAY_NAME = "Python 3 (lambdakit)"


def install_kernel(user=False, sys_prefix=False, prefix=None):
    """Install the kernelspec and return the directory it went to.

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
        spec_dir = write_kernel_spec(os.path.join(staging, KERNEL_NAME),
                                     overrides={"display_name": DISPLAY_NAME},
                                     extra_arguments=["--ext=lambdakit.notebook.magics"])
        return KernelSpecManager().install_kernel_spec(
            spec_dir, KERNEL_NAME, user=user, prefix=sys.prefix if sys_prefix else prefix)
