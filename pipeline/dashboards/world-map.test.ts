// Goal: the bundled world map places every country of the genuine USDA coffee data, names any it
// cannot with a reason, and draws no stripe across the world. Method: the serving tables built from
// the bundled snapshot give USDA's country names; the map is the one a build ships.
import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { Position } from 'geojson'
import { describe, expect, it } from 'vitest'
import { parsePage } from './page.ts'
import { connectionRunner } from './query.ts'
import { renderPage } from './render.ts'
import { createServingTables, extractSnapshotCsv } from './testing/serving-fixture.ts'
import { unmatchedReason, worldMap, worldMapScript } from './world-map.ts'

describe('the world map', () => {
  it('places every USDA coffee country, or says why not; the table holds no stray name', async () => {
    const csvPath = await extractSnapshotCsv()
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    await createServingTables(connection, csvPath)
    const reader = await connection.runAndReadAll(
      'SELECT DISTINCT country_name FROM serving.obt_commodity_metrics ORDER BY 1',
    )
    const names = reader.getRows().map((row) => String(row[0]))
    const { areaNames } = await worldMap()
    const unplaced = names.filter((name) => !areaNames.has(name))
    expect(unplaced.map((name) => `${name}: ${unmatchedReason(name)}`)).toEqual([
      'European Union: a union of countries, reported as one',
      'Singapore: too small for the 1:110m map',
      'Yemen (Sanaa): a former state (North Yemen, before 1990)',
    ])
    expect(names.length - unplaced.length).toBeGreaterThan(80)
    expect(areaNames.get('Korea, South')).toBe('South Korea')
    expect(areaNames.get('Congo (Kinshasa)')).toBe('Dem. Rep. Congo')
    expect(areaNames.get("Cote d'Ivoire")).toBe("Côte d'Ivoire")
    expect(unmatchedReason('Atlantis')).toMatch(/not in the country table/)

    // An AreaMap over rows it cannot place says so under the map and to the build, at its line.
    const run = connectionRunner(connection, (sql) => sql)
    const page = parsePage(
      'map.md',
      "---\ntitle: Map\n---\n```sql areas\nSELECT * FROM (VALUES ('Brazil', 1), ('European Union', 2), ('Atlantis', 3)) AS t(area, amount)\n```\n<AreaMap data={areas} areaCol=area value=amount />\n",
    )
    const rendered = await renderPage(page, run)
    expect(rendered.issues).toEqual([])
    const message =
      'Not on the map: Atlantis (not in the country table (pipeline/dashboards/country-codes.ts)); European Union (a union of countries, reported as one).'
    expect(rendered.notes).toEqual([{ line: 7, message: `<AreaMap> ${message}` }])
    expect(rendered.html).toContain(`<figcaption class="materia-note text-sm">${message}</figcaption>`)
    connection.closeSync()
    instance.closeSync()
    await rm(dirname(csvPath), { recursive: true, force: true })
  })

  it('has no ring that jumps across the 180° meridian, and ships under 200 KB', async () => {
    const { geojson } = await worldMap()
    const jumps: string[] = []
    for (const shape of geojson.features) {
      const geometry = shape.geometry as { type: string; coordinates: unknown }
      const polygons = (
        geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
      ) as Position[][][]
      for (const ring of polygons.flat()) {
        if (ring.some((point, at) => at > 0 && Math.abs(point[0]! - ring[at - 1]![0]!) > 180))
          jumps.push(String(shape.properties?.name))
      }
    }
    expect(jumps).toEqual([])
    expect(geojson.features.map((shape) => shape.properties?.name)).not.toContain('Antarctica')
    expect(Buffer.byteLength(await worldMapScript())).toBeLessThan(200_000)
  })
})
