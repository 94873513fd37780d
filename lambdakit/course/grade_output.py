"""What `lambdakit grade` does with its reports besides printing them: record them in the
learner's progress, and give them to a teacher as JSON or CSV (schema in course/README.md)."""

import csv

SCHEMA = 1
CSV_COLUMNS = ("notebook", "lesson", "exercise", "title", "passed", "message", "check_seconds",
               "attempts", "hints_seen", "solution_seen", "first_passed_at", "last_attempt_at")


def record(reports, progress):
    """Write each graded exercise's verdict into the progress file."""
    for report in reports:
        for e in report.exercises:
            progress.record_grade(e.id, e.passed, "graded" if e.passed else e.message.splitlines()[0])


def as_json(reports, progress):
    """Per notebook and exercise: the verdict, the check's time, and the learner's attempts,
    hints and times from the progress file."""
    recorded = progress.load()["exercises"]
    notebooks = []
    for report in reports:
        exercises = []
        for e in report.exercises:
            entry = recorded.get(e.id, {})
            exercises.append({
                "id": e.id, "title": e.title, "passed": e.passed, "message": e.message,
                "check_seconds": e.seconds, "attempts": entry.get("attempts", 0),
                "hints_seen": entry.get("hints_seen", 0), "solution_seen": bool(entry.get("solution_seen")),
                "first_passed_at": entry.get("passed_at"), "last_attempt_at": entry.get("last_attempt_at")})
        notebooks.append({
            "notebook": report.notebook,
            "lesson": report.lesson.number if report.lesson else None,
            "title": report.lesson.title if report.lesson else None,
            "score": sum(e["passed"] for e in exercises), "out_of": len(exercises),
            "note": "" if report.lesson else report.render(),
            "exercises": exercises})
    return {"schema": SCHEMA, "notebooks": notebooks}


def write_csv(document, out):
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for notebook in document["notebooks"]:
        for e in notebook["exercises"]:
            row = {**e, "notebook": notebook["notebook"], "lesson": notebook["lesson"], "exercise": e["id"],
                   "passed": int(e["passed"]), "message": (e["message"].splitlines() or [""])[0]}
            writer.writerow([row[column] for column in CSV_COLUMNS])
