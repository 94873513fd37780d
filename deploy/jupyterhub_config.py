"""A minimal JupyterHub for a class on one machine, each learner with their own course folder.

    pip install lambdakit jupyterhub && npm install -g configurable-http-proxy
    jupyterhub -f deploy/jupyterhub_config.py          # then open http://127.0.0.1:8000

Every learner's server runs as this machine's user that starts the hub, in a home of its own
(/tmp/{username} by default: set HOMES), on lambdakit's kernel. binder/start sets up
~/lambdakit-course (lessons copied in once; later starts never overwrite work) before each server
starts, and the server opens lesson 00. For a real class use your school's authenticator and
Zero to JupyterHub with the image the Dockerfile builds (README: "JupyterHub").
tests/test_jupyterhub.py starts this hub with two learners.
"""

import os
import sys
from pathlib import Path

from lambdakit.commands.course import FIRST_LESSON, JUPYTER_CONFIG

c = get_config()  # noqa: F821  (JupyterHub's config loader provides it)

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = 8000

# Anyone may sign in with any name and, when LAMBDAKIT_HUB_PASSWORD is set, that password.
# Replace it with your school's authenticator (OAuth, LDAP, ...) for anything but a trial.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ.get("LAMBDAKIT_HUB_PASSWORD", "")
c.Authenticator.allow_all = True

# One local process per learner, all as this OS user, each with its own HOME.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(os.environ.get("HOMES", "/tmp"), "{username}")
c.Spawner.cmd = [str(Path(__file__).resolve().parents[1] / "binder" / "start"),
                 sys.executable, "-m", "jupyterhub.singleuser"]
if os.geteuid() == 0:
    c.Spawner.args = ["--allow-root"]  # Jupyter refuses root otherwise (a container, CI)
c.Spawner.notebook_dir = "~/lambdakit-course"
c.Spawner.default_url = f"/lab/tree/{FIRST_LESSON}"
c.Spawner.environment = {
    "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),  # `lambdakit`
    "JUPYTER_CONFIG_PATH": str(JUPYTER_CONFIG),  # no news prompt over the lesson
}
