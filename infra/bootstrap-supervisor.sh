#!/usr/bin/env bash
# Sets up the Materia supervisor on a fresh Debian 12 machine: Node 24 LTS (NodeSource), git and the
# OpenSSH client, a `materia` user, a clone of the repository in /opt/materia/app, npm ci, and the
# systemd service. Secrets are not handled here: the service takes them from its environment, for
# example through Pulumi ESC (`esc run`, see infra/start-supervisor.sh); ESC is one way, not required.
#
# usage: sudo MATERIA_GIT_URL=https://github.com/<org>/materia.git infra/bootstrap-supervisor.sh
set -euo pipefail

git_url="${MATERIA_GIT_URL:?set MATERIA_GIT_URL to the repository URL}"
app_dir=/opt/materia/app
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
apt-get install -y -qq ca-certificates curl gnupg git openssh-client
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 24 ]; then
  install -d -m 0755 /etc/apt/keyrings
  curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
  echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_24.x nodistro main" \
    > /etc/apt/sources.list.d/nodesource.list
  apt-get update -qq
  apt-get install -y -qq nodejs
fi

id materia >/dev/null 2>&1 || useradd --system --create-home --home-dir /opt/materia --shell /usr/sbin/nologin materia
if [ ! -d "$app_dir/.git" ]; then
  # A private repository needs credentials here once (e.g. a read-only deploy key for the materia user).
  sudo -u materia git clone --quiet --branch main "$git_url" "$app_dir"
fi
(cd "$app_dir" && sudo -u materia npm ci --no-audit --no-fund)

if ! command -v esc >/dev/null 2>&1; then
  echo "note: the service names an ESC environment (MATERIA_ESC_ENV); install the esc CLI (https://www.pulumi.com/docs/esc/) or remove that line and provide the secrets another way" >&2
fi
install -m 0644 "$app_dir/infra/materia-supervisor.service" /etc/systemd/system/materia-supervisor.service
systemctl daemon-reload
systemctl enable --now materia-supervisor.service
systemctl --no-pager status materia-supervisor.service || true
