#!/usr/bin/env bash
# Run HERE (a machine with PyPI), before bench/gpu_check.sh runs on the GPU machine: the GPU machine
# has torch, numpy, pytest and friends but no package index, so torchdrill's other dependencies
# travel as wheels for its Python (3.12, x86_64). They land in .whl/, which git ignores.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
mkdir -p .whl
for spec in pydantic==2.14.4 pydantic-core==2.50.5 annotated-types==0.7.0 typing-inspection==0.4.2 \
            fsrs==6.3.2 sqlite-utils==4.2.1 sqlite-fts4==1.0.3 click-default-group==1.2.4; do
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform any -d .whl "$spec"
done
ls .whl
