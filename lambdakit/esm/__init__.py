"""Event source mappings: Lambda's pollers for SQS queues (in local AWS) and for Kinesis and
DynamoDB streams (modelled in the kernel: made there, or copied record by record from the
streams of local AWS), on the real or the virtual clock.

    aws = rt.local_aws()
    queue = aws.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
    rt.create_event_source_mapping("worker", "arn:aws:sqs:us-east-1:123456789012:jobs",
                                   batch_size=5, function_response_types=["ReportBatchItemFailures"])
    stream = rt.kinesis_stream("clicks", shard_count=2)
    rt.create_event_source_mapping("counter", stream.arn, starting_position="TRIM_HORIZON",
                                   bisect_batch_on_function_error=True)
    rt.advance(seconds=30)                      # virtual clock: pollers run on the way

`rt.event_source_mapping(uuid)` is the mapping itself: `attempts` lists every batch it invoked.
"""

from .batches import BatchAttempt
from .manager import EventSourceMapping, EventSources
from .streams import LocalStream, StreamRecord

__all__ = ["BatchAttempt", "EventSourceMapping", "EventSources", "LocalStream", "StreamRecord"]
