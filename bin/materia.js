#!/usr/bin/env node
// The `materia` command. The sources are TypeScript; tsx compiles them on load so the CLI runs
// straight from a clone with no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../pipeline/cli.ts')
process.exitCode = await main(process.argv.slice(2))
