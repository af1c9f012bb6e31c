"""F1: how studying works, in a few lines, over the screen the learner was on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# How studying works

1. **Pick a deck** in the list (Enter), or press **a** to study every deck.
2. **Answer.** Each exercise says what it wants: a number, a Python literal, an expression, the
   blanks of a template, or code in the editor. **ctrl+s** checks it against real torch.
   In code exercises **ctrl+r** runs your code without recording anything.
3. **Stuck?** **ctrl+n** shows the next hint; **ctrl+g** shows the solution (that counts as
   giving up).
4. **Not quite?** The answer keeps the focus: fix it and check again.
5. **Rate** how it went: **1** Again, **2** Hard, **3** Good, **4** Easy. Each button shows when the
   card comes back. The suggested one is filled and marked **⏎**: it is the button Tab reaches, so
   **Enter** on the ratings always accepts it; 1–4 pick any other.
6. **Saving a deck** (or coming back from **f2**) reloads it without losing your answer, hints or
   tries; if the exercise itself changed, your answer is kept and you are told.

| key | does |
|---|---|
| ctrl+z | in the code editor: undo typing; elsewhere, before you type: undo the last action (rating, bury, suspend) |
| ctrl+b | bury: not again today |
| f4 | suspend: never, until you unsuspend it in Browse |
| f2 | edit the exercise in `$EDITOR` (decks also reload when you save them) |
| b, s, , | browse and search, statistics, settings |
| in Browse: h, R, f4, Enter | a card's history, reset it (asks first), suspend or unsuspend, practise it |
| ctrl+p | every action, by name |
| escape | back |
| q, ctrl+q | quit |
| e, r | on the deck list: edit the deck, reload the decks |

Choice options are numbered from 1 here; in YAML and in `torchdrill review --answer` they are
0-based indices.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP)
