import { Hono } from 'hono'
import type { WorkbenchContext } from '../context.ts'
export function queryRoutes(_context: WorkbenchContext): Hono {
  return new Hono()
}
