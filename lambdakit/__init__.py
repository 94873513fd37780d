"""lambdakit: a hands-on AWS Lambda course and a faithful local Lambda runtime."""
