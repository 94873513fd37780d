"""A layer ZIP made from distributions installed in this Python (AWS's durable execution SDK),
laid out as a learner's `pip install -t python/` would be: handlers see only the standard
library, boto3/botocore, their own package and their layers, so the SDK has to come in one.
"""

import io
import re
import zipfile
from importlib import metadata

# What Lambda's Python runtime already has: not copied into the layer.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3", "six"})


def layer_zip(distribution):
    """The ZIP bytes of `distribution` and its requirements beyond the runtime's, under python/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for dist in _closure(distribution):
            for file in dist.files or ():
                path = str(file)
                if path.endswith(".pyc") or "__pycache__" in path or path.startswith(".."):
                    continue
                archive.writestr("python/" + path, file.read_binary())
    return buffer.getvalue()


def _closure(name):
    seen, order, todo = set(), [], [name]
    while todo:
        key = _normal(todo.pop())
        if key in seen or key in RUNTIME_PROVIDED:
            continue
        seen.add(key)
        dist = metadata.distribution(key)
        order.append(dist)
        for requirement in dist.requires or ():
            if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
                continue  # optional extras are not installed for the layer
            todo.append(re.split(r"[\s<>=!~;\[(]", requirement, 1)[0])
    return order


def _normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()
