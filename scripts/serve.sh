#!/usr/bin/env bash
# Web server plus one Celery worker with embedded beat, stopped together by Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"

# Whatever ends this script (Ctrl-C, an error, the server stopping) stops the worker too.
trap 'trap - EXIT INT TERM; kill -- $(jobs -p) 2>/dev/null; wait' EXIT INT TERM

# One worker takes both queues here; production runs a separate worker for "alerts".
"$VENV/bin/celery" -A config worker --beat --pool=solo --queues=alerts,celery --loglevel=INFO &
echo "Stillwater: http://127.0.0.1:8000  (Ctrl-C stops the web server and the worker)"
"$VENV/bin/python" manage.py runserver 127.0.0.1:8000
