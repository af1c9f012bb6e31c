"""One screen per task: decks, review, stats, browse, settings."""
