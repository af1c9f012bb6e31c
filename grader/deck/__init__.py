"""The content: exercise model, YAML loader, JSON Schema, fingerprints. Torch-free."""
