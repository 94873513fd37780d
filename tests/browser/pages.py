"""What the browser tests do in JupyterLab's page, as a user would: menus, the launcher,
typing in a cell, and reading what the notebook shows.

Everything is scoped to the notebook panel in front (`CURRENT`): JupyterLab keeps other
tabs in the DOM. Waits poll the page, and a timeout fails with what the page showed.
"""

import json
import time

OPEN_TIMEOUT_S = 180     # a loaded CI machine starts a kernel slowly
RUN_TIMEOUT_S = 600
RENDER_TIMEOUT_S = 60    # widgets render after the kernel is idle again

CURRENT = "#jp-main-dock-panel .jp-NotebookPanel:not(.lm-mod-hidden)"
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
WIDGET_ERROR = "Error displaying widget"


class PageTimeout(AssertionError):
    pass


def wait_until(what, probe, timeout_s, interval_s=0.25, state=None):
    """Poll `probe()` until it returns something true; return it, or fail naming `what`
    (and what `state()` says the page shows then)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            shown = f"; the page shows {state()}" if state else ""
            raise PageTimeout(f"timed out after {timeout_s} s waiting for {what}{shown}")
        time.sleep(interval_s)


def menu(page, top, item):
    """Click `top` in the menu bar, then `item` in its menu."""
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-content .lm-Menu-itemLabel", has_text=item).first.click()


def kernel_state(page, lab, path):
    """(what the notebook toolbar shows, the server's kernel execution state) for `path`."""
    shown = page.evaluate(f"""() => {{
        const panel = document.querySelector({CURRENT!r});
        const indicator = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
        const name = panel && panel.querySelector('.jp-KernelName');
        return {{status: indicator ? indicator.dataset.status : null, kernel: name ? name.innerText : null}};
    }}""")
    session = lab.session(path)
    return shown, session and session["kernel"]["execution_state"]


def wait_kernel_idle(page, lab, path, kernel_name, timeout_s):
    """Wait until the notebook's kernel is `kernel_name`, started, and idle."""
    def idle():
        shown, server = kernel_state(page, lab, path)
        return shown["status"] == "idle" and shown["kernel"] == kernel_name and server == "idle"
    wait_until(f"the {kernel_name} kernel of {path} to be idle", idle, timeout_s)


def open_notebook(page, lab, path, kernel_name, workspace):
    page.goto(lab.page_url(workspace, path))
    page.wait_for_selector(f"{CURRENT} .jp-Notebook", timeout=OPEN_TIMEOUT_S * 1000)
    wait_kernel_idle(page, lab, path, kernel_name, OPEN_TIMEOUT_S)


def prompts(page):
    """Each code cell's prompt, e.g. "[3]:", "[*]:" or "[ ]:".

    textContent, not innerText: JupyterLab skips rendering cells out of view
    (content-visibility), and innerText reads those as empty.
    """
    return page.evaluate(f"""() => Array.from(document.querySelectorAll({CURRENT!r} + ' .jp-CodeCell'))
        .map(cell => cell.querySelector('.jp-InputPrompt').textContent.trim())""")


def run_all_cells(page, lab, path, kernel_name):
    """Edit > Clear Outputs of All Cells, then Run > Run All Cells, and wait for the kernel.

    Clearing first makes a cell's number proof that this run executed it.
    """
    menu(page, "Edit", "Clear Outputs of All Cells")
    menu(page, "Run", "Run All Cells")

    def finished():
        shown, server = kernel_state(page, lab, path)
        marks = [prompt.strip("[]: ") for prompt in prompts(page)]
        started = any(marks)  # cleared prompts are "[ ]:" until the run reaches them
        return started and "*" not in marks and shown["status"] == "idle" and server == "idle"

    def state():
        shown, server = kernel_state(page, lab, path)
        return (f"prompts {' '.join(prompts(page))}, kernel {shown['status']} "
                f"(server: {server})")
    wait_until(f"Run All Cells in {path} to finish", finished, RUN_TIMEOUT_S, interval_s=0.5, state=state)


def unexecuted_cells(page, lab, path):
    """1-based numbers of the code cells with source (in the file) that this run did not execute."""
    with open(lab.root / path, encoding="utf-8") as f:
        code = [cell for cell in json.load(f)["cells"] if cell["cell_type"] == "code"]
    shown = prompts(page)
    assert len(shown) == len(code), f"{len(shown)} code cells on the page, {len(code)} in {path}"
    return [n for n, (cell, prompt) in enumerate(zip(code, shown), start=1)
            if "".join(cell["source"]).strip() and not prompt.strip("[]: ").isdigit()]


def error_outputs(page):
    """Tracebacks in the notebook's outputs and any "Error displaying widget", in view or not."""
    return page.evaluate(f"""() => {{
        const panel = document.querySelector({CURRENT!r});
        const found = Array.from(panel.querySelectorAll({STDERR!r}))
            .map(e => e.textContent).filter(text => text.includes('Traceback'));
        if (panel.textContent.includes({WIDGET_ERROR!r})) found.push({WIDGET_ERROR!r});
        return found;
    }}""")


def type_in_cell(page, text):
    """Type into the active cell's editor and run it with Shift+Enter."""
    page.locator(f"{CURRENT} .jp-Cell.jp-mod-active .cm-content").click()
    page.keyboard.type(text)
    page.keyboard.press("Shift+Enter")
