"""Local AWS services for handler code, and the S3 triggers that invoke functions.

    aws = rt.local_aws()                     # or lambdakit.aws.start(rt)
    s3 = aws.client("s3")                    # boto3 in the kernel works unchanged too
    rt.add_permission("thumbnail", "s3-photos", "lambda:InvokeFunction", "s3.amazonaws.com",
                      source_arn="arn:aws:s3:::photos", source_account="123456789012")
    aws.add_s3_trigger("photos", "thumbnail", prefix="uploads/")   # refused without the permission
    s3.put_object(Bucket="photos", Key="uploads/cat.jpg", Body=data)
    aws.settle()                             # wait for the triggered invocations
"""

from .local import LocalAws, start
from .loops import LOOP_LIMIT
from .s3notify import RecursiveLoop, S3Delivery, S3Notice

__all__ = ["LocalAws", "start", "LOOP_LIMIT", "RecursiveLoop", "S3Delivery", "S3Notice"]
