"""torchdrill's engine room: everything that is not UI.

    cli.py        the one command group; bare `torchdrill` opens the app (the only import of tui/)
    study.py      the review use case shared by the app and `torchdrill review`
    validate.py   authoring checks behind `torchdrill validate`
    errors.py     Problem: one located message, rendered as `file:line:col: message`
    deck/         the content, torch-free: model, loader, schema, fingerprint
    engine/       trusted grading: client (torch-free), service, program, compare, forbid, verdict
    sandbox/      where learner code runs: zygote, harness, limits, wire
    srs/          scheduling and the SQLite store, torch-free
    batch/        teachers' batch grading and its reports

Nothing is imported here: an eager import would put its cost under every consumer.
"""
