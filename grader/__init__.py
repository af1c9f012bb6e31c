"""torchdrill's engine room: everything that is not UI.

    cli.py        the one command group and all printing; bare `torchdrill` opens the app
    study.py      the review use case shared by the app and the CLI: next card, suggest, record, undo
    paths.py      where decks and the database are found by default
    errors.py     Problem (`file:line:col: message`) and UsageError
    authoring/    validate.py (`torchdrill validate`), weak.py (exercises that cannot fail), skeletons.py (`new`)
    deck/         the content, torch-free: kinds, model, loader, positions, schema, fingerprint (what
                  changes the verdict), variants (`{param}` draws), aliases
    engine/       trusted grading: protocol (what the UI needs), client (torch-free), grader (dispatch and
                  reference cache), reference (running authored code), judge (outcome -> verdict),
                  by_value (choice/numeric/predict), compare, program, forbid, allow, answers, verdict,
                  behaviour (what a wrong answer did), mistakes, service (the process loop), doctor
    sandbox/      where learner code runs: client (the trusted side's handle on the zygote), zygote,
                  child, harness, guard, limits, wire
    srs/          torch-free scheduling and the one store: rating, scheduler, review_log, queue,
                  settings, stats, store, migrations, renames (aliases), optimize and accuracy (fitting
                  FSRS to the learner: `torchdrill optimize`)
    batch/        teachers' batch grading: runner, reader, worker, gradebook, report, result, groups
                  (wrong answers grouped by behaviour), progress, distributed
    export/       `torchdrill export anki`: flashcard (an exercise as front and back), html, anki

Nothing is imported here but `warnings` (already loaded by Python): an eager import would put its
cost under every consumer.
"""

import warnings

# torch warns at import when numpy is missing; torchdrill never needs numpy (a plain `pip install`
# has none), so the warning would only alarm a learner.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy", category=UserWarning)
