importable_layouts = {"b", "d"}
