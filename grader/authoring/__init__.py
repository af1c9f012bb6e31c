"""Authoring: `torchdrill validate` (validate.py), the rules that find weak exercises (weak.py) and
the skeletons `torchdrill new` writes (skeletons.py)."""
