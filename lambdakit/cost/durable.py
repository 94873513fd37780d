"""What a durable execution costs: each of its invocations (the first and every replay) is an
ordinary invocation with its request and billed duration, plus the durable operations it
checkpointed. Waiting (a wait, a callback, a retry delay) runs no code and costs no compute.

Durable operations: $8.00 per million in us-east-1 (aws.amazon.com/lambda/pricing/, checked
2026-12 through a verbatim transcription of the page). lambdakit counts one durable operation per
checkpointed OperationUpdate (a step's START and its SUCCEED are two): AWS's definition, under
"Checkpoint consumption" in the Developer Guide, was not read, so that count is lambdakit's reading.
Data written and retained (storage) are not priced here: their rates were not found on AWS's page.
"""

from dataclasses import dataclass
from decimal import Decimal

from .billing import record_cost
from .pricing import Published

DURABLE_OPERATION = Published(Decimal("0.000008"), "USD per durable operation", "2026-12")


@dataclass(frozen=True)
class DurableBill:
    invocations: int
    billed_ms: int
    compute: Decimal          # requests and duration of every invocation
    operations: int
    operations_cost: Decimal
    bytes_written: int        # payload bytes checkpointed (shown, not priced)

    @property
    def total(self):
        return self.compute + self.operations_cost


def durable_bill(records, operations, bytes_written=0):
    """The bill of one execution from its invocations' records and its durable operation count."""
    records = [r for r in records if r is not None]
    compute = sum((record_cost(r).total for r in records), Decimal(0))
    return DurableBill(len(records), sum(r.billed_ms for r in records), compute, operations,
                       operations * DURABLE_OPERATION.value, bytes_written)
