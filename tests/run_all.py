"""Run the whole test suite, installing first what the browser, Node.js and custom runtime
tests need.

This is the README's test command (after the venv is made) and what `.ci/run` calls.
Chromium and its driver come from Debian's packages; Playwright drives that Chromium
through `executable_path`, so no browser is downloaded. Node.js functions run on the
machine's `node` (Debian's nodejs where it is missing), custom runtimes' scripts use curl.
"""

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (what for, the program, Debian's packages for it, the variable that makes its tests required)
NEEDS = (
    ("browser tests", CHROMIUM, ("chromium", "chromium-driver"), "LAMBDAKIT_BROWSER_TESTS"),
    ("Node.js tests", "node", ("nodejs",), "LAMBDAKIT_NODE_TESTS"),
    ("custom runtime tests", "curl", ("curl",), None),
)


def _found(program):
    return os.path.exists(program) if os.path.isabs(program) else shutil.which(program) is not None


def ensure_programs():
    """Install the missing programs with apt-get where that is possible; return the names of
    the variables of the tests that can run (or, on CI, must)."""
    missing = [need for need in NEEDS if not _found(need[1])]
    if missing and shutil.which("apt-get") and os.geteuid() == 0:
        packages = [package for need in missing for package in need[2]]
        print(f"Installing for the {', '.join(need[0] for need in missing)} (apt-get: {' '.join(packages)})...",
              flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                       check=True, env=env)
    required = []
    for purpose, program, _, variable in NEEDS:
        if not _found(program):
            fate = "fail (CI is true)" if on_ci() else "be skipped"
            print(f"{program} is missing and cannot be installed here (needs root and apt-get); "
                  f"{purpose} will {fate}.", flush=True)
        if variable and (_found(program) or on_ci()):
            required.append(variable)
    return required


def on_ci():
    return os.environ.get("CI", "").lower() in ("true", "1")


def main(argv):
    # The lessons declare the "Python 3 (lambdakit)" kernel; nbval starts it by name.
    subprocess.run([sys.executable, "-m", "lambdakit", "install-kernel", "--sys-prefix"], check=True)
    # With LAMBDAKIT_BROWSER_TESTS (LAMBDAKIT_NODE_TESTS) set, a missing Chromium (node) fails
    # those tests instead of skipping them: on CI they must run.
    for variable in ensure_programs():
        os.environ.setdefault(variable, "1")
    return subprocess.call([sys.executable, "-m", "pytest", *argv], cwd=REPO)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
