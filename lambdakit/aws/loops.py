"""Recursive loop detection, as Lambda does it: by counting invocations along a chain of
requests in the X-Ray trace header.

A function's SDK calls carry its invocation's trace header (botocore adds X-Amzn-Trace-Id
from `_X_AMZN_TRACE_ID` inside Lambda). When such a call makes S3 trigger a function again,
the header's Lineage field says how many times that function already ran in this chain;
Lambda runs it 16 times and drops the 17th event (AWS Compute Blog, "Detecting and
stopping recursive loops in AWS Lambda functions"; lambda-facts §8).
"""

import hashlib

from ..events.identifiers import trace_header

# Lambda stops a chain of requests after this many invocations of one function.
LOOP_LIMIT = 16
LINEAGE_VERSION = "1"


def function_key(function_arn):
    """The short hash naming a function in Lineage (its unqualified ARN, so versions and
    aliases of one function count together)."""
    unqualified = ":".join(function_arn.split(":")[:7])
    return hashlib.sha256(unqualified.encode()).hexdigest()[:8]


def _fields(header):
    return [part.strip() for part in (header or "").split(";") if part.strip()]


def lineage(header):
    """{function key: invocations so far} from a trace header's Lineage field."""
    counts = {}
    for field in _fields(header):
        name, _, value = field.partition("=")
        if name != "Lineage":
            continue
        for entry in value.split("|"):
            parts = entry.split(":")
            if len(parts) >= 2 and parts[-1].isdigit():
                counts[parts[-2]] = int(parts[-1])
    return counts


def invocations_so_far(header, function_arn):
    return lineage(header).get(function_key(function_arn), 0)


def continued(header, function_arn, new_root):
    """The header the next invocation of `function_arn` runs with: the chain's Root (or
    `new_root` when the request started no chain) and the function's count plus one."""
    fields = _fields(header)
    root = next((f for f in fields if f.startswith("Root=")), new_root)
    counts = lineage(header)
    key = function_key(function_arn)
    counts[key] = counts.get(key, 0) + 1
    entries = "|".join(f"{LINEAGE_VERSION}:{k}:{n}" for k, n in counts.items())
    return f"{root};Sampled=0;Lineage={entries}"


def new_root(now_ms, *parts):
    """A Root for a chain that starts here (an upload from outside any function)."""
    return trace_header(int(now_ms), *parts)
