"""The lessons as the browser gets them: a cell that needs the process runtime (boto3 against
lambdakit's endpoint, moto's local AWS, the real clock, load tests, HTTP to a local server)
becomes a note saying so, with its code and the output it gave there, instead of an error."""

import json
import re

# What only the process runtime has: sockets and servers, other processes, the real clock.
NEEDS_PROCESSES = re.compile(r"import boto3|local_aws|clock\s*=\s*[\"']real|use_clock\([\"']real"
                             r"|load_test\(|%lambda loadtest|urllib\.request|http://127\.0\.0\.1")
NOTE = ("**Runs with the process runtime only** (lambdakit installed with pip: "
        "it needs real processes and sockets, which the browser does not have). "
        "Its code, and the output it gave there:")


def _stored_output(cell):
    texts = []
    for output in cell.get("outputs", ()):
        if output.get("output_type") == "stream":
            texts.append("".join(output["text"]))
        elif "data" in output and "text/plain" in output["data"]:
            texts.append("".join(output["data"]["text/plain"]))
        elif output.get("output_type") == "error":
            texts.append(f"{output['ename']}: {output['evalue']}\n")
    return "".join(texts).rstrip()


def for_the_browser(cell):
    """The cell unchanged, or (needing the process runtime) the markdown note that replaces it."""
    source = "".join(cell["source"])
    if cell["cell_type"] != "code" or not NEEDS_PROCESSES.search(source):
        return cell
    text = f"{NOTE}\n\n```python\n{source}\n```\n"
    output = _stored_output(cell)
    text += f"\n```\n{output}\n```\n" if output else "\n*(no stored output)*\n"
    note = {"cell_type": "markdown", "metadata": {"lambdakit": "process-runtime-only"}, "source": text}
    if "id" in cell:
        note["id"] = cell["id"]
    return note


def write_for_the_browser(source, target):
    """Copies the notebook at `source` to `target`; returns how many cells became notes."""
    notebook = json.loads(source.read_text())
    originals = notebook["cells"]
    notebook["cells"] = [for_the_browser(cell) for cell in originals]
    target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return sum(new is not old for new, old in zip(notebook["cells"], originals))
