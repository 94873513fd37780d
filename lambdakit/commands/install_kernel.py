"""Install the Jupyter kernel "Python 3 (lambdakit)": this Python, with `%%lambda` and
`%lambda` loaded at start. Without an option it goes into the active virtual environment
(--sys-prefix), or, outside one, into your user directory (--user)."""

HELP = 'install the Jupyter kernel "Python 3 (lambdakit)" (magics loaded at start)'


def add_arguments(parser):
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="into your user Jupyter directory")
    where.add_argument("--sys-prefix", action="store_true",
                       help="into this Python environment (sys.prefix), e.g. the project's venv")
    where.add_argument("--prefix", metavar="DIR", help="into DIR/share/jupyter/kernels")


def run(args):
    from ..notebook.kernel import DISPLAY_NAME, install_kernel

    path = install_kernel(user=args.user, sys_prefix=args.sys_prefix, prefix=args.prefix)
    print(f"Installed the kernel {DISPLAY_NAME!r} in {path}")
    return 0
