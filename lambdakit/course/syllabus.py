"""The syllabus as data: course/syllabus.toml read into frozen dataclasses.

Each lesson has goals, a time estimate, prerequisites (earlier lessons), its graded
exercises (with a ladder of hints) and what it covers: the seed errors (E1..E68 of the
course plan) it corrects and the seed code samples (C1..C40) it uses. `render` turns the
data into course/SYLLABUS.md, the readable version.
"""

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from . import paths

READY = "ready"
PLANNED = "planned"


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    kind: str                 # "build", "fix" (bug hunt), "predict" or "compute"
    hints: tuple[str, ...]
    covers: tuple[str, ...]

    @property
    def lesson_number(self):
        return int(self.id.split(".")[0])


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    title: str
    minutes: int
    status: str
    prerequisites: tuple[int, ...]
    goals: tuple[str, ...]
    exercises: tuple[Exercise, ...]
    covers: tuple[str, ...]   # seed errors and samples, including the exercises'

    @property
    def key(self):
        return f"{self.number:02d}-{self.slug}"

    @property
    def notebook(self):
        return f"{self.key}.ipynb"

    @property
    def ready(self):
        return self.status == READY

    def all_covers(self):
        found = list(self.covers)
        for e in self.exercises:
            found += [c for c in e.covers if c not in found]
        return tuple(found)


@dataclass(frozen=True)
class Syllabus:
    title: str
    seed_errors: tuple[str, ...]
    lessons: tuple[Lesson, ...]

    def lesson(self, number):
        for lesson in self.lessons:
            if lesson.number == int(number):
                return lesson
        raise KeyError(f"No lesson {number}")

    def lesson_for_notebook(self, filename):
        """The lesson a notebook file belongs to, from its NN- prefix."""
        prefix = str(filename).rsplit("/", 1)[-1][:2]
        return self.lesson(prefix) if prefix.isdigit() else None

    def exercise(self, exercise_id):
        for lesson in self.lessons:
            for e in lesson.exercises:
                if e.id == exercise_id:
                    return e
        raise KeyError(f"No exercise {exercise_id!r} in the syllabus")

    @property
    def exercises(self):
        return tuple(e for lesson in self.lessons for e in lesson.exercises)


def _lesson(raw):
    exercises = tuple(Exercise(id=e["id"], title=e["title"], kind=e["kind"],
                               hints=tuple(e["hints"]), covers=tuple(e.get("covers", ())))
                      for e in raw.get("exercises", ()))
    return Lesson(number=raw["number"], slug=raw["slug"], title=raw["title"],
                  minutes=raw["minutes"], status=raw["status"],
                  prerequisites=tuple(raw.get("prerequisites", ())), goals=tuple(raw["goals"]),
                  exercises=exercises, covers=tuple(raw.get("covers", ())))


def parse(text):
    raw = tomllib.loads(text)
    return Syllabus(title=raw["title"], seed_errors=tuple(raw["seed_errors"]),
                    lessons=tuple(_lesson(lesson) for lesson in raw["lesson"]))


@lru_cache(maxsize=4)
def _load(path, mtime):
    return parse(path.read_text(encoding="utf-8"))


def load(path=None):
    path = path or paths.course_dir() / "syllabus.toml"
    return _load(path, path.stat().st_mtime_ns)


def render(syllabus):
    """SYLLABUS.md: the readable syllabus, generated from the data."""
    total = sum(lesson.minutes for lesson in syllabus.lessons)
    out = [f"# {syllabus.title}", "",
           "<!-- Generated from course/syllabus.toml by `python -m lambdakit.course syllabus`; "
           "edit the TOML, not this file. -->", "",
           f"{len(syllabus.lessons)} lessons, about {total // 60} h {total % 60} min in all. "
           "Each lesson is a notebook in `notebooks/`; graded exercises are checked in the "
           "notebook (`check(...)`) and by `lambdakit grade NOTEBOOK`.", "",
           "| # | lesson | time | after | exercises | status |", "|---|---|---|---|---|---|"]
    for lesson in syllabus.lessons:
        after = ", ".join(f"L{n}" for n in lesson.prerequisites) or "—"
        ids = ", ".join(e.id for e in lesson.exercises)
        out.append(f"| {lesson.number} | {lesson.title} | {lesson.minutes} min | {after} | {ids} | "
                   f"{'ready' if lesson.ready else 'planned'} |")
    for lesson in syllabus.lessons:
        out += ["", f"## Lesson {lesson.number}: {lesson.title}", "",
                f"Notebook `notebooks/{lesson.notebook}` · about {lesson.minutes} min · "
                + (f"after {', '.join(f'L{n}' for n in lesson.prerequisites)}"
                   if lesson.prerequisites else "no prerequisites")
                + ("" if lesson.ready else " · *planned, not written yet*"), "",
                "You will be able to:", ""]
        out += [f"- {goal}" for goal in lesson.goals]
        out += ["", "Graded exercises:", ""]
        out += [f"- **{e.id}** ({e.kind}) {e.title}" for e in lesson.exercises]
        covers = lesson.all_covers()
        errors = [c for c in covers if c.startswith("E")]
        samples = [c for c in covers if c.startswith("C")]
        if errors:
            out += ["", "Seed errors corrected: " + ", ".join(errors) + "."]
        if samples:
            out += ["", "Seed code samples used: " + ", ".join(samples) + "."]
    out += ["", "Seed errors are numbered as in the course plan (§2); `course/README.md` "
            "explains how coverage is checked.", ""]
    return "\n".join(out)
