"""The course in the browser: a JupyterLite site whose Pyodide kernel runs lambdakit.

`lambdakit lite build --output DIR` (lambdakit/commands/lite.py) assembles it: Pyodide's core from
npm (sources.py), lambdakit and its pure-Python dependencies as local wheels (sources.py) named by a
local pyodide-lock.json (lock.py), and the JupyterLite app with every lesson (site.py). Nothing is
fetched from another host at run time.
"""
