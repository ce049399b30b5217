// The supervisor's server as a Pulumi program (@pulumi/hcloud): one small server that runs
// `materia supervisor` under systemd, a firewall that lets SSH in only from the configured
// addresses (the workers it creates are separate, short-lived servers), the SSH key it is reached
// with, and labels on everything. Outputs the server's IPv4 address for the deploy step.
// Config (`pulumi config set materia:<key>`): sshPublicKey, sshAllowedCidrs (a JSON list of CIDRs),
// serverType (default cx23: the cheapest current 2-vCPU x86 type; cx22 was retired on 2025-12-31),
// location (default fsn1). The Hetzner token comes from HCLOUD_TOKEN, never from this program.
import * as hcloud from '@pulumi/hcloud'
import * as pulumi from '@pulumi/pulumi'

// SSH from anywhere would make the firewall pointless: refuse it and empty lists.
export function sshSourceCidrs(raw: unknown): string[] {
  const cidr = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/
  if (
    !Array.isArray(raw) ||
    raw.length === 0 ||
    !raw.every((item) => typeof item === 'string' && cidr.test(item))
  ) {
    throw new Error(
      'materia:sshAllowedCidrs must be a non-empty JSON list of CIDRs, e.g. ["198.51.100.7/32"]',
    )
  }
  const open = raw.filter((item) => item === '0.0.0.0/0' || item === '::/0')
  if (open.length > 0) {
    throw new Error(
      `materia:sshAllowedCidrs must not open SSH to everyone (${open.join(', ')}); list your addresses`,
    )
  }
  return raw as string[]
}

const config = new pulumi.Config('materia')
const labels = { app: 'materia', role: 'supervisor' }
const allowed = sshSourceCidrs(config.requireObject<unknown>('sshAllowedCidrs'))

const sshKey = new hcloud.SshKey('supervisor-key', {
  name: 'materia-supervisor',
  publicKey: config.require('sshPublicKey'),
  labels,
})

const firewall = new hcloud.Firewall('supervisor-firewall', {
  name: 'materia-supervisor',
  labels,
  rules: [
    {
      direction: 'in',
      protocol: 'tcp',
      port: '22',
      sourceIps: allowed,
      description: 'SSH from the configured addresses',
    },
  ],
})

const server = new hcloud.Server('supervisor', {
  name: 'materia-supervisor',
  serverType: config.get('serverType') ?? 'cx23',
  location: config.get('location') ?? 'fsn1',
  image: 'debian-12',
  sshKeys: [sshKey.id],
  firewallIds: [firewall.id.apply((id) => Number(id))],
  publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
  labels,
})

export const ipv4 = server.ipv4Address
export const serverName = server.name
