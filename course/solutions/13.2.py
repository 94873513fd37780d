# Every environment the day ever needs at once, provisioned, means no cold start; then look for fewer.
provisioned = checkout.concurrency.max
while provisioned > 0 and checkout_day(provisioned - 1).function("checkout").latency_cold.total == 0:
    provisioned -= 1
monthly = billing.provisioned_cost(provisioned, 512, 30 * 24 * 3600).provisioned
provisioned_for_no_cold_starts = (provisioned, round(monthly, 2))
