"""Run the whole test suite, installing first what the browser tests need.

This is the README's test command (after the venv is made) and what `.ci/run` calls.
Chromium and its driver come from Debian's packages; Playwright drives that Chromium
through `executable_path`, so no browser is downloaded.
"""

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ensure_chromium():
    if os.path.exists(CHROMIUM):
        return True
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("Installing Chromium for the browser tests (apt-get: chromium chromium-driver)...", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                        "chromium", "chromium-driver"], check=True, env=env)
        return os.path.exists(CHROMIUM)
    fate = "fail (CI is true)" if on_ci() else "be skipped"
    print(f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get); "
          f"browser tests will {fate}.", flush=True)
    return False


def on_ci():
    return os.environ.get("CI", "").lower() in ("true", "1")


def main(argv):
    # The lessons declare the "Python 3 (lambdakit)" kernel; nbval starts it by name.
    subprocess.run([sys.executable, "-m", "lambdakit", "install-kernel", "--sys-prefix"], check=True)
    # With LAMBDAKIT_BROWSER_TESTS set, a missing Chromium fails the browser tests: on CI they must run.
    if ensure_chromium() or on_ci():
        os.environ.setdefault("LAMBDAKIT_BROWSER_TESTS", "1")
    return subprocess.call([sys.executable, "-m", "pytest", *argv], cwd=REPO)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
