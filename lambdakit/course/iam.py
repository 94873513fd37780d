"""A small IAM policy evaluator, for the permissions lesson: does a policy allow a call?

It follows IAM's core rules for identity-based policies: a request is denied unless some
statement allows it (implicit deny), and any statement that denies it wins over every
allow (explicit deny). Actions match case-insensitively, resources case-sensitively, and
both may use the wildcards `*` (any run of characters) and `?` (one character). Conditions,
NotAction/NotResource, principals and policy variables are left out: the lesson's
policies do not use them.
"""

import re
from functools import lru_cache

ALLOWED = "allowed"
IMPLICIT_DENY = "denied (no statement allows it)"
EXPLICIT_DENY = "denied (a statement denies it)"


@lru_cache(maxsize=1024)
def _pattern(wildcard, ignore_case):
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in wildcard)
    return re.compile(regex, re.IGNORECASE if ignore_case else 0)


def _listed(value):
    return [value] if isinstance(value, str) else list(value or ())


def _matches(statement, action, resource):
    actions = _listed(statement.get("Action"))
    resources = _listed(statement.get("Resource"))
    return (any(_pattern(a, True).fullmatch(action) for a in actions)
            and any(_pattern(r, False).fullmatch(resource) for r in resources))


def evaluate(policy, action, resource):
    """ALLOWED, IMPLICIT_DENY or EXPLICIT_DENY for one call under one policy document."""
    statements = _listed(policy.get("Statement")) if isinstance(policy, dict) else []
    matching = [s for s in statements if isinstance(s, dict) and _matches(s, action, resource)]
    if any(s.get("Effect") == "Deny" for s in matching):
        return EXPLICIT_DENY
    if any(s.get("Effect") == "Allow" for s in matching):
        return ALLOWED
    return IMPLICIT_DENY


def permission_table(policy, calls):
    """Stable text: one line per (action, resource) call with the decision."""
    width = max((len(action) for action, _ in calls), default=0)
    return "\n".join(f"{evaluate(policy, action, resource):<32} {action:<{width}}  {resource}"
                     for action, resource in calls)
