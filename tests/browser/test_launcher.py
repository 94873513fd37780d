"""The course kernel as a learner meets it: a card in the launcher, and a notebook on it
with lambdakit's magics loaded before any `%load_ext`."""

from .pages import CURRENT, OPEN_TIMEOUT_S, error_outputs, type_in_cell, wait_kernel_idle, wait_until

KERNEL = "Python 3 (lambdakit)"
# The JavaScript the widgets need, as JupyterLab's page config lists it.
LABEXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "anywidget", "jupyterlab-plotly")


def test_widget_javascript_is_served(lab):
    missing = set(LABEXTENSIONS) - set(lab.federated_extensions())
    assert not missing, f"JupyterLab does not load {sorted(missing)}: widgets would not render"


def new_notebook(lab, before):
    """The path of a notebook opened since `before` (the launcher names it Untitled).

    JupyterLab starts a new notebook's session under a random id, then renames it to the file.
    """
    return next((s["path"] for s in lab.api("GET", "/api/sessions")
                 if s["path"].endswith(".ipynb") and s["path"] not in before), None)


def test_launcher_kernel_loads_the_extension(lab, page, screenshot):
    page.goto(lab.page_url("launcher"))
    notebooks = page.locator(".jp-Launcher-section", has=page.locator(".jp-Launcher-sectionTitle", has_text="Notebook"))
    card = notebooks.locator(".jp-LauncherCard", has=page.locator(".jp-LauncherCard-label", has_text=KERNEL))
    card.wait_for(timeout=OPEN_TIMEOUT_S * 1000)
    screenshot(page, "launcher")
    before = {s["path"] for s in lab.api("GET", "/api/sessions")}
    path = None
    try:
        card.click()
        page.wait_for_selector(f"{CURRENT} .jp-Notebook", timeout=OPEN_TIMEOUT_S * 1000)
        path = wait_until("the new notebook's session", lambda: new_notebook(lab, before), OPEN_TIMEOUT_S)
        wait_kernel_idle(page, lab, path, KERNEL, OPEN_TIMEOUT_S)
        assert lab.session(path)["kernel"]["name"] == "lambdakit"
        type_in_cell(page, "%lambda --help")
        output = page.locator(f"{CURRENT} .jp-OutputArea-output", has_text="usage: %lambda SUBCOMMAND")
        output.wait_for(timeout=OPEN_TIMEOUT_S * 1000)
        assert "invoke" in output.inner_text()
        assert error_outputs(page) == []
    finally:
        screenshot(page, "launcher-notebook")
        if path:
            lab.shut_down(path)
