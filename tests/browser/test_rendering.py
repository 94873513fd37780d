"""Every lesson's text renders in JupyterLab as written: no dollar amount turned into math.

JupyterLab typesets `$...$` in markdown as LaTeX, so two prices in one paragraph ("$0.20 per
million ... $0.0000166667") become italic math and swallow the text between them, and bold
around such a span breaks. nbval and text tests never render markdown, so this test opens
each lesson in JupyterLab and reads what the page shows.

What the source *means* as math is written `$$...$$` or `\\\\(...\\\\)` (JupyterLab's
delimiters besides `$`); any other `$` is money. Escaping it as `\\$` is not enough in
JupyterLab: Markdown turns `\\$` into `$` before MathJax scans the page. The lessons write
`\\\\$`: Markdown leaves `\\$`, which MathJax shows as `$`. A rendered markdown cell must
hold exactly as much MathJax output as its source means, and show every `$` of its source.

Typesetting is asynchronous, so each lesson is opened as a copy with one last markdown cell
that *is* math: once that cell is typeset, every cell above it has been too.
"""

import re
from pathlib import Path

import nbformat
import pytest

from .conftest import REPO
from .pages import CURRENT, OPEN_TIMEOUT_S, wait_until

LESSONS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
MEANT_AS_MATH = re.compile(r"\$\$.+?\$\$|\\\\\(.+?\\\\\)", re.S)
PROBE = "Probe: $$e^{i\\pi} + 1 = 0$$"
# What JupyterLab's MathJax (or a KaTeX renderer, if installed instead) leaves in the page.
MATH_OUTPUT = "mjx-container, .MathJax, .katex"

READ_CELLS = f"""(selector) => Array.from(document.querySelectorAll({CURRENT!r} + ' .jp-MarkdownCell'))
    .map(cell => {{
        const shown = cell.querySelector('.jp-RenderedMarkdown');
        if (!shown) return null;
        const math = Array.from(shown.querySelectorAll(selector));
        const copy = shown.cloneNode(true);
        copy.querySelectorAll(selector).forEach(e => e.remove());
        return {{math: math.length, mathText: math.map(e => e.textContent).join(' | '),
                 text: copy.textContent}};
    }})"""


def probed_copy(source, target):
    """`source` with a last markdown cell that is math, saved at `target`."""
    nb = nbformat.read(source, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(PROBE))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # only the markdown matters; outputs would slow the page
    nbformat.write(nb, str(target))
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def cell_problems(source, shown):
    """What is wrong with one rendered markdown cell, given its source."""
    meant = len(MEANT_AS_MATH.findall(source))
    literal = MEANT_AS_MATH.sub("", source).count("$")
    problems = []
    if shown["math"] != meant:
        problems.append(f"{shown['math']} math spans rendered, {meant} meant "
                        f"(rendered as math: {shown['mathText'][:160]!r})")
    if shown["text"].count("$") != literal:
        problems.append(f"shows {shown['text'].count('$')} '$' of the {literal} in its source")
    return problems


def rendering_problems(sources, cells):
    problems = []
    for number, (source, shown) in enumerate(zip(sources, cells), start=1):
        for problem in cell_problems(source, shown):
            first_line = source.strip().splitlines()[0][:70]
            problems.append(f"markdown cell {number} ({first_line!r}): {problem}")
    return problems


def render(page, lab, name, sources_path, workspace):
    """Open the probed copy of `sources_path` and return (markdown sources, rendered cells)."""
    folder = lab.root / "rendering"
    folder.mkdir(exist_ok=True)
    sources = probed_copy(sources_path, folder / name)
    page.goto(lab.page_url(workspace, f"rendering/{name}"))
    page.wait_for_selector(f"{CURRENT} .jp-Notebook", timeout=OPEN_TIMEOUT_S * 1000)

    def typeset():
        cells = page.evaluate(READ_CELLS, MATH_OUTPUT)
        if len(cells) == len(sources) and all(cells) and cells[-1]["math"] == 1:
            return cells
        return None
    cells = wait_until(f"the markdown of {name} to be rendered and typeset", typeset, OPEN_TIMEOUT_S,
                       state=lambda: page.evaluate(READ_CELLS, MATH_OUTPUT)[-3:])
    lab.shut_down(f"rendering/{name}")
    return sources[:-1], cells[:-1]


def test_the_check_sees_dollars_rendered_as_math(lab, page, tmp_path):
    """The test can fail: prices written `$` or `\\$` are caught; `\\\\$` and real math pass."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Requests cost $0.20 per million, duration $0.0000166667 a GB-s."),
                nbformat.v4.new_markdown_cell("Requests cost \\$0.20 per million, duration \\$0.0000166667."),
                nbformat.v4.new_markdown_cell("Requests cost \\\\$0.20 per million, duration \\\\$0.0000166667."),
                nbformat.v4.new_markdown_cell("Little's law: \\\\(L = \\lambda W\\\\), and `$LATEST` in code.")]
    path = Path(tmp_path) / "dollars.ipynb"
    nbformat.write(nb, str(path))
    sources, cells = render(page, lab, "dollars.ipynb", path, "rendering-self-test")
    assert cell_problems(sources[0], cells[0]), "an unescaped pair of prices was not seen as math"
    assert cell_problems(sources[1], cells[1]), "prices escaped once were not seen as math"
    assert cell_problems(sources[2], cells[2]) == []
    assert cell_problems(sources[3], cells[3]) == []


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_text_renders_as_written(name, lab, page, screenshot):
    workspace = "rendering-" + re.sub(r"\W", "-", name)
    sources, cells = render(page, lab, name, REPO / "notebooks" / name, workspace)
    problems = rendering_problems(sources, cells)
    if problems:
        screenshot(page, workspace)
    assert not problems, f"{name} renders text as math:\n" + "\n".join(problems)
