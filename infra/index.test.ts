// Goal: the infrastructure program declares what the deploy needs: a current 2-vCPU server with
// labels, reachable by the configured SSH key, behind a firewall whose only inbound rule is SSH
// from the configured addresses; it outputs the IPv4; SSH open to everyone is refused.
// Method: Pulumi's documented unit-test mocks (pulumi.runtime.setMocks): the program runs in this
// process, resources are recorded instead of created, outputs read back from the mock state.
import * as pulumi from '@pulumi/pulumi'
import { beforeAll, describe, expect, it } from 'vitest'

interface Recorded {
  readonly type: string
  readonly name: string
  readonly inputs: Record<string, unknown>
}
const recorded: Recorded[] = []
let program: typeof import('./index.ts')

beforeAll(async () => {
  process.env.PULUMI_CONFIG = JSON.stringify({
    'materia:sshPublicKey': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITest deploy',
    'materia:sshAllowedCidrs': '["198.51.100.7/32", "2001:db8::/64"]',
  })
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs })
        const extra = args.type === 'hcloud:index/server:Server' ? { ipv4Address: '203.0.113.10' } : {}
        return { id: `${recorded.length}`, state: { ...args.inputs, ...extra } }
      },
      call: (args) => args.inputs,
    },
    'materia-infra',
    'test',
  )
  program = await import('./index.ts')
})

function output<T>(value: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => value.apply(resolve))
}

describe('supervisor infrastructure', () => {
  it('outputs the server address and declares server, key and firewall with labels', async () => {
    expect(await output(program.ipv4)).toBe('203.0.113.10')
    expect(recorded.map((resource) => resource.type).sort()).toEqual([
      'hcloud:index/firewall:Firewall',
      'hcloud:index/server:Server',
      'hcloud:index/sshKey:SshKey',
    ])
    for (const resource of recorded)
      expect(resource.inputs.labels).toEqual({ app: 'materia', role: 'supervisor' })
    const server = recorded.find((resource) => resource.type === 'hcloud:index/server:Server')!.inputs
    expect(server).toMatchObject({ serverType: 'cx23', location: 'fsn1', image: 'debian-12' })
    const key = recorded.find((resource) => resource.type === 'hcloud:index/sshKey:SshKey')!.inputs
    expect(key.publicKey).toBe('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITest deploy')
  })

  it('lets only SSH in, only from the configured addresses', () => {
    const firewall = recorded.find((resource) => resource.type === 'hcloud:index/firewall:Firewall')!.inputs
    expect(firewall.rules).toEqual([
      {
        direction: 'in',
        protocol: 'tcp',
        port: '22',
        sourceIps: ['198.51.100.7/32', '2001:db8::/64'],
        description: 'SSH from the configured addresses',
      },
    ])
  })

  it('refuses SSH open to everyone and an empty or malformed list', () => {
    expect(() => program.sshSourceCidrs(['0.0.0.0/0'])).toThrow(
      /must not open SSH to everyone \(0\.0\.0\.0\/0\)/,
    )
    expect(() => program.sshSourceCidrs([])).toThrow(/non-empty JSON list of CIDRs/)
    expect(() => program.sshSourceCidrs(['my-laptop'])).toThrow(/non-empty JSON list of CIDRs/)
  })
})
