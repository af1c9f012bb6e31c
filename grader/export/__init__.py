"""The decks in other tools' formats: anki.py writes an Anki package of the flashcard-like kinds."""
