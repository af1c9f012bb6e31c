"""The exercise kinds, in one place (the model, the CLI and the UI read them from here). No imports."""

KINDS = ("card", "choice", "numeric", "predict", "expr", "fill", "code")
EXECUTABLE_KINDS = ("expr", "fill", "code")
