"""Trusted grading: the torch-free client, the service that runs references, comparison, forbid."""
