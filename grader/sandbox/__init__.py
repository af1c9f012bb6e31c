"""Where learner code runs. Never imports grader.deck, grader.srs, grader.engine, yaml or SQLite:
the zygote forks children that must hold no deck, no solution and no expected value."""
