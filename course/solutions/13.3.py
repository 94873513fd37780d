review_answers = ["c", "b", "a", "c", "a", "a", "c", "a"]
