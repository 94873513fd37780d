retried_workflow_requests = (5, 1.00)
