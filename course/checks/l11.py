"""Checks for lesson 11, configuration, permissions, packaging, networking, edge."""

from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.course.iam import ALLOWED, evaluate

BUCKET = "arn:aws:s3:::lambda-demo-bucket-unique-name"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/FileProcessingLog"


def _logs(function):
    group = f"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/{function}"
    return [("logs:CreateLogGroup", group), ("logs:CreateLogStream", f"{group}:*"),
            ("logs:PutLogEvents", f"{group}:log-stream:2026/01/01/[$LATEST]0a5d2f34")]


NEEDS = {
    "S3ProcessorFunction": [("s3:GetObject", f"{BUCKET}/uploads/test-file.txt"),
                            ("s3:GetObject", f"{BUCKET}/uploads/reports/q1.txt"),
                            ("dynamodb:PutItem", TABLE)] + _logs("S3ProcessorFunction"),
    "EC2MonitoringFunction": [("ec2:DescribeInstances", "*"),
                              ("cloudwatch:PutMetricData", "*")] + _logs("EC2MonitoringFunction"),
}
FORBIDDEN = [
    ("s3:DeleteObject", f"{BUCKET}/uploads/test-file.txt"),
    ("s3:PutObject", f"{BUCKET}/uploads/test-file.txt"),
    ("s3:GetObject", "arn:aws:s3:::lambda-demo-bucket/uploads/test-file.txt"),
    ("s3:GetObject", "arn:aws:s3:::payroll-exports/2026/january.csv"),
    ("s3:DeleteBucket", BUCKET),
    ("dynamodb:DeleteTable", TABLE),
    ("dynamodb:Scan", "arn:aws:dynamodb:us-east-1:123456789012:table/Customers"),
    ("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"),
    ("iam:CreateUser", "arn:aws:iam::123456789012:user/intruder"),
]


@exercise("11.1")
def least_privilege(policies):
    if not isinstance(policies, dict) or set(policies) != set(NEEDS):
        fail("policies should map S3ProcessorFunction and EC2MonitoringFunction to a policy each.")
    for function, needs in NEEDS.items():
        policy = policies[function]
        for action, resource in needs:
            decision = evaluate(policy, action, resource)
            if decision != ALLOWED:
                hint = {"s3:GetObject": "Check the bucket name in the resource ARN.",
                        "ec2:DescribeInstances": "The monitor's two actions need Resource \"*\".",
                        "cloudwatch:PutMetricData": "The monitor's two actions need Resource \"*\"."}.get(action)
                fail(f"{function} is {decision} for {action} on {resource}.", hint)
        other = [call for name, calls in NEEDS.items() if name != function for call in calls
                 if not call[0].startswith("logs:")]
        group = f"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/{function}"
        # logs:* on * would pass the three calls above; deleting logs it does not need must not.
        log_admin = [("logs:DeleteLogGroup", group), ("logs:PutRetentionPolicy", group)]
        for action, resource in FORBIDDEN + other + log_admin:
            decision = evaluate(policy, action, resource)
            expect(decision != ALLOWED, f"{function} may {action} on {resource}: more than it needs.",
                   "List the exact actions on the exact resources; one policy per function.")
    return "each function may make exactly the calls its code makes"


LAYOUTS = {"b", "d"}


@exercise("11.2")
def layer_layouts(answer):
    if not isinstance(answer, (set, frozenset, list, tuple)) or Ellipsis in answer:
        fail("importable_layouts should be a set of letters, e.g. {'a', 'f'}.")
    chosen = {str(letter).strip().lower() for letter in answer}
    if "c" in chosen:
        fail("c is the certification guide's layout: /opt/python/lib is not on sys.path.",
             "Only /opt/python and /opt/python/lib/python3.12/site-packages are.")
    if "e" in chosen:
        fail("e is for python3.11: a python3.12 function looks in python3.12/site-packages.")
    expect(chosen == LAYOUTS, f"{sorted(chosen)} is not the set.",
           "The ZIP is extracted under /opt; the package folder must sit directly in /opt/python "
           "or in /opt/python/lib/python3.12/site-packages.")
    return "b and d: python/ and python/lib/python3.12/site-packages/"


CHOICES = ["cf", "cf", "edge", "edge", "cf"]


@exercise("11.3")
def edge_or_functions(answer):
    if not isinstance(answer, (list, tuple)) or len(answer) != 5 or Ellipsis in answer:
        fail('edge_choices should be a list of five answers, each "cf" or "edge".')
    for number, given in enumerate(answer, 1):
        expect(given in ("cf", "edge"), f'answer {number} is {given!r}; use "cf" or "edge".')
    right = sum(given == expected for given, expected in zip(answer, CHOICES))
    # A score, not which requirement is wrong: 32 guesses would otherwise find the answer.
    expect(right == len(CHOICES), f"{right} of {len(CHOICES)} are right.",
           "CloudFront Functions: JavaScript, viewer events, under 1 ms, no network; "
           "Lambda@Edge: Node.js or Python, origin events too, network access.")
    return "cf, cf, edge, edge, cf"
