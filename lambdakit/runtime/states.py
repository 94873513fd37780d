"""Function states as AWS shows them around a change: CreateFunction and PublishVersion answer
with State Pending, UpdateFunctionCode/Configuration with LastUpdateStatus InProgress, and
every later read shows Active / Successful.

lambdakit's functions are ready when the operation returns, so the transition is as short as
it can be while still visible: the operation's own answer carries the transient state that
deployment tools and waiters (function_active_v2, function_updated_v2) look for, and the
next GetFunction shows the settled one, on either clock.
"""

CREATING = {"State": "Pending", "StateReason": "The function is being created.", "StateReasonCode": "Creating"}
# AWS's own wording during updates: the reason text is the creation one.
UPDATING = {"LastUpdateStatus": "InProgress", "LastUpdateStatusReason": "The function is being created."}


def pending(description):
    """The answer of CreateFunction or PublishVersion: the new function or version is Pending."""
    return {**description, **CREATING}


def in_progress(description):
    """The answer of UpdateFunctionCode or UpdateFunctionConfiguration."""
    return {**description, **UPDATING}
