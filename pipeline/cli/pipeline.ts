// `materia pipeline run [extract|transform|publish|all] [--remote] [--env prod] [--upload]`: runs the
// pipeline here, or with --remote on a fresh cloud worker that is destroyed afterwards whatever
// happens (Ctrl-C and SIGTERM included). The cost estimate prints before a worker is created.
// --provider (default MATERIA_PROVIDER, else hetzner) picks the cloud: hetzner, scaleway, or
// cheapest, the cheapest type across both price lists that fits the pipeline.
import { MateriaError } from '../errors.ts'
import { type PipelineName, pipelineNames, stepsOf } from '../remote/config.ts'
import { type ProviderChoice, parseProviderChoice } from '../remote/providers.ts'
import { checkRemoteEnvironment, executeRemoteRun, formatPlan, planRemoteRun } from '../remote/remote-run.ts'
import type { Command, CommandContext } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.pipeline

// Turns SIGINT/SIGTERM into an abort for the duration of `job`, so a worker is always destroyed.
export async function withSignals<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const onSignal = () => controller.abort()
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    return await job(controller.signal)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

async function runRemote(
  context: CommandContext,
  input: {
    projectRoot: string
    pipeline: PipelineName
    environment: string
    upload: boolean
    commit?: string
    providerChoice: ProviderChoice
  },
) {
  const request = { ...input, env: context.env, trigger: 'cli' as const }
  const plan = await planRemoteRun(request)
  context.stdout.write(`${formatPlan(plan)}\n`)
  await withSignals((signal) =>
    executeRemoteRun(request, plan, {
      signal,
      onStatus: () => {},
      onLine: (line, stream) => {
        const target = stream === 'stderr' ? context.stderr : context.stdout
        target.write(stream === 'status' ? `[worker] ${line}\n` : `${line}\n`)
      },
    }),
  )
  context.stdout.write(`run ${plan.runId}: done\n`)
}

export const pipelineCommand: Command = {
  name: 'pipeline',
  async run(argv, context) {
    const args = parseArguments(
      argv,
      { options: ['env', 'commit', 'provider'], flags: ['remote', 'upload'], positionals: 2 },
      usage,
    )
    const [verb, name = 'all'] = args.positionals
    if (verb !== 'run') throw new MateriaError('usage', `usage: ${usage}`)
    if (!(pipelineNames as readonly string[]).includes(name)) {
      throw new MateriaError('usage', `unknown pipeline "${name}"; use ${pipelineNames.join(' | ')}`)
    }
    const pipeline = name as PipelineName
    const environment =
      args.options.env ?? (args.flags.has('remote') ? 'prod' : (context.env.MATERIA_ENV ?? 'prod'))
    // The engine's rule for environment names (plan.ts), checked here without loading the engine.
    if (!/^(prod|[a-z][a-z0-9_]{0,62})$/.test(environment)) {
      throw new MateriaError(
        'usage',
        `--env ${environment}: use prod or lower-case letters, digits and _ (e.g. dev_alice)`,
      )
    }
    const projectRoot = resolveProjectRoot(args.options.project, context.cwd)
    const remote = args.flags.has('remote')
    if (
      !remote &&
      (args.flags.has('upload') || args.options.commit !== undefined || args.options.provider !== undefined)
    ) {
      throw new MateriaError('usage', '--upload, --commit and --provider only apply with --remote')
    }
    if (args.flags.has('upload') && args.options.commit !== undefined) {
      throw new MateriaError(
        'usage',
        '--upload sends the working tree; --commit picks a commit of MATERIA_GIT_URL: use one',
      )
    }
    if (remote) {
      checkRemoteEnvironment(environment)
      await runRemote(context, {
        providerChoice: parseProviderChoice(
          args.options.provider ?? (context.env.MATERIA_PROVIDER || undefined),
        ),
        projectRoot,
        pipeline,
        environment,
        upload: args.flags.has('upload'),
        commit: args.options.commit,
      })
      return 0
    }
    // Loaded here only: the local run pulls in DuckDB, the engine and the S3 client.
    const { runPipelineLocal } = await import('../remote/pipeline-run.ts')
    await withSignals((signal) =>
      runPipelineLocal({
        projectRoot,
        environment,
        steps: stepsOf(pipeline),
        env: context.env,
        signal,
        log: (line) => context.stdout.write(`${line}\n`),
      }),
    )
    return 0
  },
}
