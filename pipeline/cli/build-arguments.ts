// The arguments `materia dashboards build` and `materia site build` share: the `build` subcommand,
// the project, the pages folder (default <project>/../dashboards/pages) and the output folder.
import { join, resolve } from 'node:path'
import { MateriaError } from '../errors.ts'
import type { CommandContext } from './command.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

export interface BuildArguments {
  readonly parsed: ReturnType<typeof parseArguments>
  readonly projectRoot: string
  readonly pagesDir: string
  readonly outDir: string
}

export function parseBuildArguments(
  argv: readonly string[],
  context: CommandContext,
  spec: { options: string[]; flags: string[]; usage: string; defaultOut: string },
): BuildArguments {
  const parsed = parseArguments(
    argv,
    { options: spec.options, flags: spec.flags, positionals: 1 },
    spec.usage,
  )
  const [subcommand] = parsed.positionals
  if (subcommand !== 'build') {
    throw new MateriaError('usage', `unknown subcommand "${subcommand ?? ''}"; usage: ${spec.usage}`)
  }
  const projectRoot = resolveProjectRoot(parsed.options.project, context.cwd)
  const pagesDir = resolve(
    context.cwd,
    parsed.options.pages ?? join(projectRoot, '..', 'dashboards', 'pages'),
  )
  const outDir = resolve(context.cwd, parsed.options.out ?? spec.defaultOut)
  return { parsed, projectRoot, pagesDir, outDir }
}
