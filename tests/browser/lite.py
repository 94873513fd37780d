"""The JupyterLite site for the browser tests: built once by `lambdakit lite build`, served as
static files from 127.0.0.1, and a page where every request to another host is refused (and kept,
so a test can assert none was made)."""

import functools
import http.server
import json
import threading
from pathlib import Path

# Served with the types browsers insist on for module scripts and WebAssembly.
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
         ".json": "application/json", ".whl": "application/zip"}
KERNEL_TIMEOUT_MS = 180_000
# Run in the page: start a Pyodide kernel, run `code`, return its outputs as text.
EXECUTE = """async (code) => {
  const manager = window.jupyterapp.serviceManager;
  const started = performance.now();
  const model = await manager.kernels.startNew({name: 'python'});
  const kernel = manager.kernels.connectTo({model});
  await kernel.info;
  const ready = performance.now() - started;
  const outputs = [];
  const future = kernel.requestExecute({code});
  future.onIOPub = (message) => {
    const c = message.content;
    if (c.text) outputs.push(c.text);
    if (c.data) outputs.push(c.data['text/plain'] || JSON.stringify(c.data));
    if (c.ename) outputs.push(`${c.ename}: ${c.evalue}`);
  };
  await future.done;
  await kernel.shutdown();
  return {ready_s: ready / 1000, output: outputs.join('')};
}"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def log_message(self, *args):
        pass


def expose_app(site):
    """Lets the page's scripts reach JupyterLab's application object (window.jupyterapp)."""
    config = Path(site) / "jupyter-lite.json"
    data = json.loads(config.read_text())
    data["jupyter-config-data"]["exposeAppInBrowser"] = True
    config.write_text(json.dumps(data))


class StaticSite:
    def __init__(self, root):
        handler = functools.partial(_Handler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def confine(page, site_url):
    """Refuses every request that is not to `site_url`; returns the list of refused URLs."""
    refused = []

    def route(route):
        url = route.request.url
        if url.startswith(site_url + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()
    page.context.route("**/*", route)
    return refused


def open_lab(page, site_url, path=""):
    page.goto(f"{site_url}/lab/index.html" + (f"?path={path}" if path else ""))
    page.wait_for_function("window.jupyterapp && window.jupyterapp.serviceManager.kernelspecs.specs"
                           " && window.jupyterapp.serviceManager.kernelspecs.specs.kernelspecs.python",
                           timeout=KERNEL_TIMEOUT_MS)


def run_in_kernel(page, code):
    """{"ready_s": seconds from starting a kernel to its first reply, "output": all text printed}."""
    return page.evaluate(EXECUTE, code)


NOTEBOOK_KERNEL_IDLE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return kernel && kernel.status === 'idle' && !panel.content.widgets.some(
    cell => cell.model.type === 'code' && cell.promptNode && cell.promptNode.textContent.includes('*'));
}"""


def run_all_cells(page):
    """Runs every cell of the open notebook once its kernel is ready; returns each code cell's
    output text."""
    page.wait_for_function(NOTEBOOK_KERNEL_IDLE, timeout=KERNEL_TIMEOUT_MS)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function("""() => window.jupyterapp.shell.currentWidget.content.widgets.every(
        cell => cell.model.type !== 'code' || cell.model.executionCount !== null)""", timeout=KERNEL_TIMEOUT_MS)
    page.wait_for_function(NOTEBOOK_KERNEL_IDLE, timeout=KERNEL_TIMEOUT_MS)
    # From the outputs' models (JupyterLab does not render cells scrolled out of view), and the
    # text of what was rendered (a widget's view).
    return page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets
        .filter(cell => cell.model.type === 'code')
        .map(cell => cell.model.outputs.toJSON().map(output => [].concat(
            output.text || [], (output.data || {})['text/plain'] || [], (output.data || {})['text/html'] || [],
            output.ename ? [output.ename + ': ' + output.evalue] : []).join('')).join('\\n')
            + '\\n' + cell.outputArea.node.textContent)""")
