// The world map AreaMap and PointMap draw on: Natural Earth's 1:110m country shapes from the
// world-atlas package (TopoJSON, read with topojson-client at build time, offline), shipped as one
// GeoJSON script that pages with a map load next to the chart runtime. Coordinates are rounded to
// 0.01° (about 1 km, far finer than the 1:110m shapes) and Antarctica is left out (no coffee, and a
// fifth of the drawing): 160 KB, 49 KB gzipped.
//
// Areas are matched by USDA country name through the explicit table in country-codes.ts (name ->
// ISO 3166-1 numeric, the shapes' ids), or by the shape's own Natural Earth name.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson'
import { feature } from 'topojson-client'
import type { GeometryCollection, Topology } from 'topojson-specification'
import { isoCodeOfUsdaName, notAnAreaReason } from './country-codes.ts'

const antarcticaCode = '010'
const coordinateDigits = 2

export interface WorldMap {
  readonly geojson: FeatureCollection // each feature's properties.name is its Natural Earth name
  readonly areaNames: ReadonlyMap<string, string> // USDA name or shape name -> shape name
}

let cached: Promise<WorldMap> | null = null

export function worldMap(): Promise<WorldMap> {
  cached ??= loadWorldMap()
  return cached
}

async function loadWorldMap(): Promise<WorldMap> {
  const path = createRequire(import.meta.url).resolve('world-atlas/countries-110m.json')
  const topology = JSON.parse(await readFile(path, 'utf8')) as Topology<{ countries: GeometryCollection }>
  const collection = feature(topology, topology.objects.countries) as FeatureCollection
  const scale = 10 ** coordinateDigits
  const round = (coordinates: unknown): unknown =>
    typeof (coordinates as Position)[0] === 'number'
      ? (coordinates as Position).map((value) => Math.round(value * scale) / scale)
      : (coordinates as unknown[]).map(round)
  const features: Feature[] = []
  const nameOfCode = new Map<string, string>()
  for (const shape of collection.features) {
    if (shape.id === antarcticaCode || shape.geometry === null) continue
    const name = String(shape.properties?.name)
    if (shape.id !== undefined) nameOfCode.set(String(shape.id), name)
    const geometry = shape.geometry as Geometry & { coordinates: unknown }
    const polygons = (
      geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
    ) as Position[][][]
    const clipped = polygons.map((polygon) => polygon.map(clipAtAntimeridian))
    features.push({
      type: 'Feature',
      properties: { name },
      geometry: {
        type: geometry.type,
        coordinates: round(geometry.type === 'Polygon' ? clipped[0] : clipped),
      } as Geometry,
    })
  }
  const areaNames = new Map<string, string>(
    features.map((shape) => [shape.properties!.name, shape.properties!.name]),
  )
  for (const [usdaName, code] of Object.entries(isoCodeOfUsdaName)) {
    const name = nameOfCode.get(code)
    if (name !== undefined) areaNames.set(usdaName, name)
  }
  return { geojson: { type: 'FeatureCollection', features }, areaNames }
}

// A ring that crosses the 180° meridian (Russia's far east, Fiji) jumps from one edge of a flat
// map to the other and would draw a stripe across the world: its points on the smaller side are
// moved onto the meridian, on the side where most of the ring lies.
function clipAtAntimeridian(ring: Position[]): Position[] {
  const crosses = ring.some((point, index) => index > 0 && Math.abs(point[0]! - ring[index - 1]![0]!) > 180)
  if (!crosses) return ring
  const east = ring.filter((point) => point[0]! > 0).length * 2 >= ring.length
  return ring.map(([longitude, latitude]) =>
    east && longitude! < 0
      ? [180, latitude!]
      : !east && longitude! > 0
        ? [-180, latitude!]
        : [longitude!, latitude!],
  )
}

/** Why a value names no area of the map: a former state, a small island, or a name not in the table. */
export function unmatchedReason(value: string): string {
  const reason = notAnAreaReason[value]
  if (reason !== undefined) return reason
  if (isoCodeOfUsdaName[value] !== undefined) return 'too small for the 1:110m map'
  return 'not in the country table (pipeline/dashboards/country-codes.ts)'
}

/** The browser script: the shapes and the name table, for window.materiaWorldMap. */
export async function worldMapScript(): Promise<string> {
  const { geojson, areaNames } = await worldMap()
  const names = Object.fromEntries([...areaNames].filter(([name, shape]) => name !== shape))
  return `/*! Natural Earth 1:110m countries (public domain), via world-atlas (ISC) */\nwindow.materiaWorldMap=${JSON.stringify({ geojson, names })}\n`
}
