"""torchdrill's engine room: everything that is not UI.

    cli.py        the one command group and all printing; bare `torchdrill` opens the app
    study.py      the review use case shared by the app and the CLI: next card, suggest, record, undo
    paths.py      where decks and the database are found by default
    errors.py     Problem (`file:line:col: message`) and UsageError
    authoring/    validate.py (`torchdrill validate`), weak.py (exercises that cannot fail), skeletons.py (`new`)
    deck/         the content, torch-free: kinds, model, loader, schema, fingerprint
    engine/       trusted grading: protocol (what the UI needs), client (torch-free), grader (dispatch and
                  reference cache), reference (running authored code), judge (outcome -> verdict),
                  by_value (choice/numeric/predict), compare, program, forbid, answers, verdict,
                  service (the process loop), doctor
    sandbox/      where learner code runs: client (the trusted side's handle on the zygote), zygote,
                  child, harness, guard, limits, wire
    srs/          torch-free scheduling and the one store: rating, scheduler, review_log, queue,
                  settings, stats, store, migrations
    batch/        teachers' batch grading: runner, reader, worker, gradebook, report, result,
                  progress, distributed

Nothing is imported here but `warnings` (already loaded by Python): an eager import would put its
cost under every consumer.
"""

import warnings

# torch warns at import when numpy is missing; torchdrill never needs numpy (a plain `pip install`
# has none), so the warning would only alarm a learner.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
