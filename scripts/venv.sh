#!/usr/bin/env bash
# Makes .venv beside this tree (python3 -m venv, so a stock Debian's externally managed Python
# is left alone) and installs vpix into it from the tree, with the extras named:
#   scripts/venv.sh            vpix alone
#   scripts/venv.sh test       what the test suite needs
#   scripts/venv.sh test,bench and the benchmarks' peers
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
    else
        echo "scripts/venv.sh: Python's venv module is missing (Debian: apt-get install python3-venv)" >&2
        exit 1
    fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${1:+[$1]}"
