# Sourced by bin/demo and bin/test: make .venv with Python 3.11 and install a lock file into it.
# Usage: ensure_venv requirements/base.lock
ensure_venv() {
    local lock="$1" python="${PYTHON:-}"
    if [ -z "$python" ]; then
        for candidate in python3.11 python3 python; do
            if command -v "$candidate" >/dev/null 2>&1 &&
                "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
                python="$candidate"
                break
            fi
        done
    fi
    if [ -z "$python" ]; then
        echo "Timebank needs Python 3.11 (python3.11 not found). Set PYTHON=/path/to/python3.11." >&2
        exit 1
    fi
    if [ ! -x .venv/bin/python ]; then
        echo "Creating .venv with $python"
        "$python" -m venv .venv
    fi
    # Reinstall only when the lock file changed since the last install.
    local stamp=".venv/.installed-$(basename "$lock")"
    local digest
    digest="$(.venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$lock")"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
        echo "Installing the pinned dependencies from $lock"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$lock"
        echo "$digest" >"$stamp"
    fi
}
