edge_choices = ["cf", "cf", "edge", "edge", "cf"]
