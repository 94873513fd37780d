%%lambda EC2MonitoringFunction --timeout 30
import json
import boto3
from datetime import datetime

cloudwatch = boto3.client('cloudwatch')
ec2 = boto3.client('ec2')

def lambda_handler(event, context):
    """Scheduled function to monitor EC2 instances and send custom metrics"""
    try:
        running_instances = 0
        pages = ec2.get_paginator('describe_instances').paginate(
            Filters=[{'Name': 'instance-state-name', 'Values': ['running']}])
        for page in pages:
            for reservation in page['Reservations']:
                running_instances += len(reservation['Instances'])

        cloudwatch.put_metric_data(
            Namespace='Custom/EC2',
            MetricData=[{'MetricName': 'RunningInstances', 'Value': running_instances,
                         'Unit': 'Count', 'Timestamp': datetime.now()}])
        print(f"Found {running_instances} running instances")
        return {'statusCode': 200,
                'body': json.dumps({'message': 'Metrics sent successfully',
                                    'running_instances': running_instances,
                                    'timestamp': datetime.now().isoformat()})}
    except Exception as e:
        print(f"Error: {str(e)}")
        raise
