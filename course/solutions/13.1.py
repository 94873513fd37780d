lambda_part = billing.provisioned_cost(10, 512, 30 * 24 * 3600, invocations=1_000_000, duration_ms=200).total
scenario_2 = {"rest_api": round(lambda_part + Decimal("3.50"), 2),
              "http_api": round(lambda_part + Decimal("1.00"), 2)}
