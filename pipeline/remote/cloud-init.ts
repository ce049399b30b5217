// The worker's cloud-init user-data: Node (an LTS line) and git, and the per-run SSH host key so
// the client can pin it. It never carries secrets (user-data is readable from the metadata service); secrets
// travel over the SSH session's stdin only.
import { stringify } from 'yaml'
import { assert } from '../assert.ts'

export interface CloudInitInput {
  readonly hostPrivateKey: string
  readonly hostPublicKey: string
  // Client keys for the user (root): where the provider keeps no key records (Scaleway), the run's
  // own key goes here; cloud-init's ssh module writes them to authorized_keys, and
  // disable_root: false keeps root's usable.
  readonly authorizedKeys?: readonly string[]
}

// Node's release schedule (github.com/nodejs/Release): 20.x reached end of life on 2026-04-30;
// 24.x is an LTS line supported until 2028-04-30 (22.x ends 2027-04-30). Debian 12's own package
// is Node 18, so the worker takes NodeSource's repository for the line.
export const workerNodeMajor = 24

const nodeSetup = [
  'set -eu',
  'install -d -m 0755 /etc/apt/keyrings',
  'curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor -o /etc/apt/keyrings/nodesource.gpg',
  `echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_${workerNodeMajor}.x nodistro main" > /etc/apt/sources.list.d/nodesource.list`,
  'apt-get update -qq',
  'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs',
  `node --version | grep -q '^v${workerNodeMajor}\\.'`,
].join('\n')

export function cloudInitUserData(input: CloudInitInput): string {
  assert(input.hostPrivateKey.includes('OPENSSH PRIVATE KEY'), 'host key must be in OpenSSH format')
  assert(input.hostPublicKey.startsWith('ssh-ed25519 '), 'host key must be ed25519')
  for (const key of input.authorizedKeys ?? []) {
    assert(
      /^ssh-ed25519 \S+/.test(key) && !key.includes('PRIVATE'),
      'authorized keys are public ed25519 keys',
    )
  }
  const config = {
    package_update: true,
    packages: ['git', 'curl', 'ca-certificates', 'gnupg'],
    // Replace the image's host keys with ours before sshd starts: an unknown key is then an impostor.
    ssh_deletekeys: true,
    ssh_genkeytypes: [],
    ssh_keys: { ed25519_private: input.hostPrivateKey, ed25519_public: input.hostPublicKey },
    ...(input.authorizedKeys === undefined || input.authorizedKeys.length === 0
      ? {}
      : { ssh_authorized_keys: [...input.authorizedKeys] }),
    disable_root: false,
    ssh_pwauth: false,
    runcmd: [['bash', '-c', nodeSetup]],
  }
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`
}
