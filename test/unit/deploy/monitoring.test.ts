// The optional monitoring component must speak about metrics the operator really exports, and
// scrape the Service the base really ships.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../../src/observability/metrics.ts';

const read = (p: string) => parse(readFileSync(new URL(`../../../deploy/${p}`, import.meta.url), 'utf8'));

async function exportedNames(): Promise<Set<string>> {
  const text = await createMetrics().render();
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1]! + s);
  }
  return names;
}

describe('monitoring component', () => {
  it('alerts only on metrics the operator exports', async () => {
    const names = await exportedNames();
    const rule = read('components/monitoring/prometheus_rule.yaml');
    const exprs: string[] = rule.spec.groups.flatMap((g: { rules: { expr: string }[] }) =>
      g.rules.map((r) => r.expr),
    );
    expect(exprs.length).toBeGreaterThan(0);
    const PROMQL = new Set(['sum', 'by', 'rate', 'increase', 'name', 'namespace', 'code', 'controller']);
    const referenced = exprs.flatMap((e) =>
      [
        ...e
          .replace(/"[^"]*"/g, '')
          .replace(/\[[^\]]*\]/g, '')
          .matchAll(/[a-z_][a-z0-9_]*/g),
      ]
        .map((m) => m[0])
        .filter((w) => !PROMQL.has(w)),
    );
    expect(referenced.filter((n) => !names.has(n))).toEqual([]);
  });

  it('scrapes the metrics port of the Service in the base', () => {
    const monitor = read('components/monitoring/service_monitor.yaml');
    const service = read('base/manager/metrics_service.yaml');
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels))
      expect(service.metadata.labels[k]).toBe(v);
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(monitor.spec.endpoints[0].port);
    expect(monitor.metadata.namespace).toBe(service.metadata.namespace);
  });
});
