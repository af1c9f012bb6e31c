"""The Textual app. Imports `grader` (torch-free parts only); never imports torch or numpy."""
