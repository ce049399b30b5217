#!/usr/bin/env bash
# Starts the supervisor for systemd (infra/materia-supervisor.service). Secrets come from the
# environment only. With MATERIA_ESC_ENV set (e.g. materia/prod) and the esc CLI installed, Pulumi
# ESC provides them: `esc run <env> -- ...` injects them into this one process. Without it, the
# supervisor runs with the environment systemd gives it (for example from a credential store that
# exports them before exec). Nothing is read from or written to a file here.
set -euo pipefail
cd "$(dirname "$0")/.."
command=(node bin/materia.js supervisor --project "${MATERIA_PROJECT:-sql}")
if [ -n "${MATERIA_ESC_ENV:-}" ]; then
  if ! command -v esc >/dev/null 2>&1; then
    echo "MATERIA_ESC_ENV=${MATERIA_ESC_ENV} but the esc CLI is not installed; see https://www.pulumi.com/docs/esc/" >&2
    exit 1
  fi
  exec esc run "$MATERIA_ESC_ENV" -- "${command[@]}"
fi
exec "${command[@]}"
