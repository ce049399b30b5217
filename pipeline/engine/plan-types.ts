// A Plan: what `materia plan` found and will do, as plain JSON-serializable data. It is built
// without side effects (buildPlan reads state only), shown to the user, then handed to applyPlan.
import type { Interval } from './interval.ts'

export type ChangeCategory = 'BREAKING' | 'NON_BREAKING'

export type ModelChange =
  | 'unchanged'
  | 'added'
  | 'directly_modified'
  | 'indirectly_modified'
  | 'metadata' // description, owner, cron, audits, tags: no data recomputed
  | 'restated'

export interface PlanModel {
  readonly name: string
  readonly change: ModelChange
  readonly category: ChangeCategory | null // for directly / indirectly modified models
  readonly note: string | null // what the change means downstream, one sentence
  readonly previousVersion: string | null
  readonly version: string // the physical table version the environment will show
  readonly dataHash: string
  readonly metadataHash: string
  // The version already exists (built for another environment or plan): nothing is recomputed.
  readonly reusedFrom: string | null // e.g. "dev_alice" or "state"
  // Directly modified models whose parents' tables exist: the new output columns (DESCRIBE of the
  // rendered query over the parents' tables) and those the current table lacks.
  readonly columns?: readonly { readonly name: string; readonly type: string }[]
  readonly addedColumns?: readonly string[]
}

// Build steps write physical tables; view steps change one environment and run together in one
// transaction after every build step succeeded.
export type PlanStep =
  | {
      // FULL, SEED, VIEW and the first build of INCREMENTAL_BY_UNIQUE_KEY; FULL refresh or restatement
      // when `replace` (the table already exists under this version).
      readonly kind: 'create_table'
      readonly model: string
      readonly version: string
      readonly table: string
      readonly replace: boolean
      readonly interval: Interval // the @start/@end the query sees; recorded on success
      // State names this version but its table is missing or differs (state-check.ts): build it again,
      // replacing the stale state rows in the same transaction.
      readonly repair?: boolean
    }
  | {
      // INCREMENTAL_BY_TIME_RANGE: create the table if needed, then one transaction per batch.
      readonly kind: 'backfill'
      readonly model: string
      readonly version: string
      readonly table: string
      readonly create: boolean
      readonly batches: readonly Interval[]
      readonly repair?: boolean // as for create_table
    }
  | {
      // INCREMENTAL_BY_UNIQUE_KEY after its first build: delete rows whose key is in the new rows, insert.
      readonly kind: 'merge_by_key'
      readonly model: string
      readonly version: string
      readonly table: string
      readonly interval: Interval
    }
  | {
      // A dev restatement of a version another environment shows: copy it first, never touch the shared one.
      readonly kind: 'clone_table'
      readonly model: string
      readonly sourceVersion: string
      readonly version: string
      readonly table: string
    }
  | { readonly kind: 'swap_view'; readonly model: string; readonly version: string; readonly table: string }
  | { readonly kind: 'drop_view'; readonly model: string }

export type BuildStep = Extract<
  PlanStep,
  { kind: 'create_table' | 'backfill' | 'merge_by_key' | 'clone_table' }
>
export interface PlanEnvironmentModel {
  readonly model: string
  readonly version: string
  readonly dataHash: string
  readonly metadataHash: string
}

export interface Plan {
  readonly id: string
  readonly environment: string
  readonly previousPlanId: string | null // the environment's plan when this one was built
  readonly createdAtMs: number
  readonly nowMs: number // the clock intervals were computed against
  readonly models: readonly PlanModel[] // every model of the project that the environment will show
  readonly removed: readonly string[]
  readonly steps: readonly PlanStep[]
  readonly environmentModels: readonly PlanEnvironmentModel[] // the environment after apply
  readonly expiresAtMs: number | null
  // The landing folder models read (landing-runtime.ts) and the one the environment was last applied
  // with; a change is shown and recorded by apply even when no model changes.
  readonly landingDir: string
  readonly previousLandingDir: string | null
  readonly landingChanged: boolean
  // What plan found of state and database apart (state-check.ts), each repaired by this plan.
  readonly repairs: readonly string[]
  readonly warnings: readonly string[]
  // the environment's rows or views change (apply then switches them in one transaction)
  readonly environmentChanged: boolean
  // true when applying changes nothing: no step and the same environment rows
  readonly empty: boolean
}
