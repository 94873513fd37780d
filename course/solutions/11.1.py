logs = {"Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "arn:aws:logs:*:*:*"}
policies = {
    "S3ProcessorFunction": {"Version": "2012-10-17", "Statement": [
        logs,
        {"Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": "arn:aws:s3:::lambda-demo-bucket-unique-name/*"},
        {"Effect": "Allow", "Action": ["dynamodb:PutItem"],
         "Resource": "arn:aws:dynamodb:*:*:table/FileProcessingLog"},
    ]},
    "EC2MonitoringFunction": {"Version": "2012-10-17", "Statement": [
        logs,
        {"Effect": "Allow", "Action": ["ec2:DescribeInstances", "cloudwatch:PutMetricData"],
         "Resource": "*"},
    ]},
}
