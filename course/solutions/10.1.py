routing = {"FunctionVersion": "1",
           "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.10}}}
