"""Teachers' batch grading: reading submissions, running them, and writing reports."""
