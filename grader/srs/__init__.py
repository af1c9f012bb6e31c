"""Scheduling and the store, torch-free.

store.py        the SQLite file: WAL, busy timeout, foreign keys, one write transaction helper
migrations.py   the schema version and forward migrations (schema documented in docs/store.md)
settings.py     desired retention, steps, maximum interval, fuzz, daily limits; kept in the database
scheduler.py    wraps the `fsrs` package: card rows <-> fsrs cards, next intervals and their labels
rating.py       a graded attempt -> the suggested rating
queue.py        what is due, today's new cards within limits, bury/suspend/reset, syncing decks
stats.py        reviews per day, true retention, due forecast, weakest tags
"""
