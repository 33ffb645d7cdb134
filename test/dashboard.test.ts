import { readFile } from 'node:fs/promises'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from './helper.js'
import { familyOf, parseMetrics } from './fixtures/prometheus.js'
import { startRedis } from './redis/server.js'

interface Target { expr: string }
interface Panel { title: string, type: string, targets?: Target[], panels?: Panel[] }
interface Dashboard { panels: Panel[], templating: { list: Array<{ query?: string | { query: string } }> } }

/** Labels Prometheus adds to every series at scrape time: not in /metrics, fine in a query. */
const TARGET_LABELS = new Set(['instance', 'job'])

/** The series selectors of a PromQL expression: metric names and the label names they match or group by. */
export function selectors (expr: string): { metrics: string[], labels: string[] } {
  const labels: string[] = []
  // group labels (by / without), then ranges and durations, then selectors; a name followed by `(` is a function
  let rest = expr.replace(/\b(?:by|without)\s*\(([^)]*)\)/g, (_m, names: string) => { labels.push(...names.split(',').map((n) => n.trim()).filter(Boolean)); return ' ' })
  rest = rest.replace(/\[[^\]]*\]/g, ' ')
  const metrics: string[] = []
  for (const m of rest.matchAll(/([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    if (m[3] !== undefined) continue
    metrics.push(m[1])
    for (const l of (m[2] ?? '').matchAll(/(\w+)\s*(?:=~|!=|!~|=)/g)) labels.push(l[1])
  }
  return { metrics, labels }
}

test('selectors: metric names and labels of a PromQL expression, functions and keywords left out', async (t) => {
  t.same(selectors('histogram_quantile(0.95, sum by (le, lane) (rate(hostaway_limiter_wait_seconds_bucket{instance=~"$instance"}[5m])))'),
    { metrics: ['hostaway_limiter_wait_seconds_bucket'], labels: ['le', 'lane', 'instance'] })
  t.same(selectors('a_total{x="1", y!~"b|c"} / b_total * 10'), { metrics: ['a_total', 'b_total'], labels: ['x', 'y'] })
})

async function exposed (app: FastifyInstance): Promise<{ types: Map<string, string>, families: Set<string>, labels: Map<string, Set<string>> }> {
  const { types } = parseMetrics((await app.inject({ url: '/metrics' })).body)
  const labels = new Map<string, Set<string>>()
  for (const [family, type] of types) {
    const metric = app.metricsRegistry.getSingleMetric(family) as unknown as { labelNames?: string[] } | undefined
    labels.set(family, new Set([...(metric?.labelNames ?? []), ...(type === 'histogram' ? ['le'] : [])]))
  }
  return { types, families: new Set(types.keys()), labels }
}

test('every metric the Grafana dashboard queries exists in /metrics, with the labels the query uses', async (t) => {
  const dashboard = JSON.parse(await readFile(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as Dashboard
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row')
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((target) => ({ panel: p.title, expr: target.expr })))
  for (const v of dashboard.templating.list) {
    const q = typeof v.query === 'object' ? v.query.query : v.query
    const values = q === undefined ? null : /^label_values\((\w+),\s*(\w+)\)$/.exec(q)
    if (values !== null) exprs.push({ panel: 'variable', expr: `${values[1]}{${values[2]}=""}` })
  }
  t.ok(panels.length >= 10 && panels.every((p) => (p.targets ?? []).length > 0), 'every panel queries something')

  // the in-memory gateway after some traffic, and one with REDIS_URL (its metrics exist only there)
  const { app } = await build(t)
  await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1, 2, 999999, 4] } })
  const redis = await startRedis(t)
  const { app: shared } = await build(t, { REDIS_URL: redis.url })
  await shared.inject({ url: '/api/listings/1' })
  const memory = await exposed(app)
  const withRedis = await exposed(shared)

  const queried = new Set<string>()
  for (const { panel, expr } of exprs) {
    const { metrics, labels } = selectors(expr)
    t.ok(metrics.length > 0, `${panel}: queries a metric`)
    const families = metrics.map((name) => familyOf(name, withRedis.types))
    for (const family of families) queried.add(family)
    for (const family of families) t.ok(withRedis.families.has(family), `${panel}: ${family} is in /metrics`)
    for (const label of labels.filter((l) => !TARGET_LABELS.has(l))) {
      t.ok(families.some((f) => withRedis.labels.get(f)?.has(label) === true), `${panel}: label ${label} exists on ${families.join(', ')}`)
    }
  }
  t.ok([...queried].filter((f) => f.startsWith('hostaway_') && memory.families.has(f)).length >= 12, 'the dashboard covers the gateway metrics')
  t.ok(queried.has('hostaway_redis_up') && !memory.families.has('hostaway_redis_up'), 'hostaway_redis_up: with REDIS_URL only')
})
