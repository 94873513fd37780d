%%lambda thumbnail-fixed --memory 512 --timeout 30 --layer arn:aws:lambda:us-east-1:123456789012:layer:pillow:1
import json
import boto3
import os
import urllib.parse
from PIL import Image
from io import BytesIO

s3 = boto3.client('s3')
THUMBNAIL_BUCKET = os.environ['THUMBNAIL_BUCKET']

def lambda_handler(event, context):
    """Create a thumbnail of an uploaded image in the thumbnail bucket"""
    bucket = event['Records'][0]['s3']['bucket']['name']
    key = urllib.parse.unquote_plus(event['Records'][0]['s3']['object']['key'])
    response = s3.get_object(Bucket=bucket, Key=key)
    image = Image.open(BytesIO(response['Body'].read()))
    image.thumbnail((100, 100))   # keeps the aspect ratio: at most 100 x 100
    if image.mode != 'RGB':
        image = image.convert('RGB')

    thumbnail_key = f"thumbnails/{key}"
    buffer = BytesIO()
    image.save(buffer, format='JPEG')
    s3.put_object(Bucket=THUMBNAIL_BUCKET, Key=thumbnail_key, Body=buffer.getvalue(),
                  ContentType='image/jpeg')
    return {'statusCode': 200, 'body': json.dumps(f'Thumbnail created: {thumbnail_key}')}
