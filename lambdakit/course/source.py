"""Lesson sources: course/lessons/NN-slug.md, a Markdown file that is the notebook.

Markdown text becomes markdown cells (a line `+++` starts a new one); each fenced block
opened with a line starting ```` ```python ```` becomes a code cell. Words after
`python` give the cell its role or nbval behaviour:

    ```python                  an ordinary cell, its output compared by nbval
    ```python starter 1.1      the learner's cell for exercise 1.1 (course/solutions/1.1.py solves it)
    ```python check 1.1        the check cell for exercise 1.1 (its reference output is kept in course/)
    ```python ignore-output    a display cell (widget, chart): run, output not compared
    ```python raises           the cell raises on purpose (a lesson about an error)
    ```python skip             not run under nbval (e.g. a real-AWS command)

Python shown but not run in the markdown uses ```` ```py ````. A markdown comment
`<!-- covers: E12 C9 -->` records which seed errors and samples a cell teaches.
"""

import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^```python(?P<options>(\s+\S+)*)\s*$")
_COVERS = re.compile(r"<!--\s*covers:\s*(?P<ids>[^>]*?)\s*-->")
ROLES = ("starter", "check")
TAGS = {"ignore-output": "nbval-ignore-output", "raises": "raises-exception", "skip": "nbval-skip"}


class SourceError(ValueError):
    pass


@dataclass
class Cell:
    kind: str                       # "markdown" or "code"
    source: str
    role: str | None = None         # "starter" or "check"
    exercise: str | None = None
    tags: list = field(default_factory=list)
    line: int = 0

    @property
    def covers(self):
        return [c for m in _COVERS.finditer(self.source) for c in m.group("ids").split()]


def _code_cell(options, lines, line_no):
    cell = Cell("code", "\n".join(lines).strip("\n"), line=line_no)
    words = options.split()
    while words:
        word = words.pop(0)
        if word in ROLES:
            if not words:
                raise SourceError(f"line {line_no}: `{word}` needs an exercise id")
            cell.role, cell.exercise = word, words.pop(0)
        elif word in TAGS:
            cell.tags.append(TAGS[word])
        else:
            raise SourceError(f"line {line_no}: unknown cell option {word!r}")
    return cell


def parse(text):
    cells, markdown, code, options, start = [], [], None, "", 0

    def flush_markdown():
        body = "\n".join(markdown).strip("\n")
        if body.strip():
            cells.append(Cell("markdown", body, line=start))
        markdown.clear()

    for number, line in enumerate(text.splitlines(), 1):
        if code is not None:
            if line.rstrip() == "```":
                cells.append(_code_cell(options, code, start))
                code = None
            else:
                code.append(line)
            continue
        fence = _FENCE.match(line)
        if fence:
            flush_markdown()
            code, options, start = [], fence.group("options"), number
        elif line.strip() == "+++":
            flush_markdown()
        else:
            if not markdown:
                start = number
            markdown.append(line)
    if code is not None:
        raise SourceError(f"line {start}: code cell never closed")
    flush_markdown()
    _validate(cells)
    return cells


def _validate(cells):
    seen = {}
    for cell in cells:
        if cell.role:
            key = (cell.role, cell.exercise)
            if key in seen:
                raise SourceError(f"line {cell.line}: a second {cell.role} cell for {cell.exercise}")
            seen[key] = cell
    for role, exercise in seen:
        if role == "starter" and ("check", exercise) not in seen:
            raise SourceError(f"exercise {exercise} has a starter cell but no check cell")
