"""nbval settings for the lesson notebooks, from lambdakit/course/nbval_plugin.py (compare text,
never widget or chart payloads). `lambdakit grade` reuses these hooks."""

from lambdakit.course.nbval_plugin import pytest_collectstart  # noqa: F401  (pytest finds hooks by name)
