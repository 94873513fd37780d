"""The course in the browser: `lambdakit lite build --output DIR` writes a static JupyterLite site
(every lesson, a Pyodide kernel with lambdakit preloaded) that needs no other host at run time.
Building fetches Pyodide from npm, pure-Python wheels from PyPI, and the build tools
(jupyterlite-core and its Pyodide kernel, into an environment of their own in the cache); it needs npm."""

import sys

HELP = "build the course as a static JupyterLite site that runs in the browser (Pyodide)"


def add_arguments(parser):
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="build the site", description=__doc__)
    build.add_argument("--output", required=True, help="directory to write the site to (replaced)")
    build.add_argument("--cache", default=None,
                       help="where downloads are kept between builds (default: ~/.cache/lambdakit/lite)")


def run(args):
    from pathlib import Path

    from ..lite import site, sources
    from ..course.paths import notebooks_dir

    checkout = Path(__file__).resolve().parents[2]
    if not (checkout / "setup.py").is_file():
        print("lambdakit lite build: run it from a lambdakit checkout (the site's wheel is built from it)",
              file=sys.stderr)
        return 1
    cache = (Path(args.cache) if args.cache else Path.home() / ".cache" / "lambdakit" / "lite").resolve()
    try:
        size = site.build(checkout, Path(args.output), cache, notebooks_dir())
    except sources.SourceError as e:
        print(f"lambdakit lite build: {e}", file=sys.stderr)
        return 1
    print(f"lambdakit: site in {args.output} ({size / 1e6:.1f} MB); serve it as static files, "
          f"e.g. python -m http.server -d {args.output}")
    return 0
