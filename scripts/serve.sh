#!/usr/bin/env bash
# Web server plus one Celery worker with embedded beat, stopped together by Ctrl-C or SIGTERM.
#
# STILLWATER_PORT (default 8000; `make run PORT=8001` sets it) is where the web server listens;
# the local settings build the links in e-mails from it, in the web server and the worker alike.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
export STILLWATER_PORT="${STILLWATER_PORT:-8000}"

# Both servers run in the background, each in a process group of its own (job control on while
# they start), for two reasons. Bash runs a trap only once the foreground command has ended, so
# a foreground runserver would keep SIGTERM from ever reaching the trap. And a whole group can
# be stopped at once: runserver's reloading child and the worker's embedded beat are children of
# the processes started here, and must not outlive them.
pids=()

stop() {
    trap - EXIT INT TERM
    local pid
    # SIGTERM to the leaders first: the worker shuts down warm and stops beat itself; runserver
    # takes its reloading child with it.
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in {1..150}; do
        [[ -z "$(jobs -rp)" ]] && break
        sleep 0.1
    done
    # Whatever is left after 15 s, or outlived its leader, in any of the groups.
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
# Whatever ends this script (Ctrl-C, SIGTERM, an error, either server stopping) stops both.
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

set -m
# One worker takes both queues here; production runs a separate worker for "alerts".
"$VENV/bin/celery" -A config worker --beat --pool=solo --queues=alerts,celery --loglevel=INFO &
pids+=("$!")
"$VENV/bin/python" manage.py runserver "127.0.0.1:$STILLWATER_PORT" &
pids+=("$!")
set +m
echo "Stillwater: http://127.0.0.1:$STILLWATER_PORT  (Ctrl-C stops the web server and the worker)"

# Until either server stops (runserver cannot take the port, say); the EXIT trap stops the other.
wait -n
