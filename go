#!/usr/bin/env bash
# ./go TASK [ARGS]: set up this machine for Damselfly if needed, then run `invoke TASK` in the venv.
#   ./go boot    build the default image and boot it with its console on this terminal
#   ./go test    run the whole test suite
# Installs, only when missing: Debian packages (apt-get) and a .venv with the pinned Python
# packages of pyproject.toml. A second run checks in well under a second and installs nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Debian packages: the QEMU for i386 guests and its firmware (qboot), gcc with 32-bit support,
# binutils, gdb for `invoke gdb`, and Python's venv module (Debian ships it apart).
packages=(qemu-system-x86 qemu-system-data gcc gcc-multilib binutils gdb python3 python3-venv)

missing=()
for pkg in "${packages[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = "installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "go: installing Debian packages: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
        echo "go: need root to install ${missing[*]}: run as root or install them with apt-get" >&2
        exit 1
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python: a venv with exactly the pinned dependencies; redone when pyproject.toml changes.
python=${PYTHON:-python3}
stamp=.venv/.damselfly-deps
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "go: need Python 3.11 or newer as '$python' (Debian: apt-get install python3 python3-venv)" >&2
        exit 1
    fi
    echo "go: creating .venv with the pinned Python packages"
    "$python" -m venv .venv || {
        echo "go: python -m venv failed: install the Debian package python3-venv" >&2; exit 1; }
    .venv/bin/python - <<'PY' > .venv/requirements.txt
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
PY
    .venv/bin/python -m pip install -q -r .venv/requirements.txt
    echo "$want" > "$stamp"
fi

if [ $# -eq 0 ]; then
    exec .venv/bin/invoke --list
fi
exec .venv/bin/invoke "$@"
