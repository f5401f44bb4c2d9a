import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createAiMetrics } from "../../src/modules/ai/ai.metrics.ts";
import { createChatMetrics } from "../../src/modules/chat/chat.metrics.ts";
import { createMetrics } from "../../src/platform/metrics/metrics.ts";
import { ROOT, readYaml } from "./deploy-support.ts";

// The alerts and the dashboard query the series the server really exports: a renamed metric
// fails here instead of leaving an alert that can never fire.

/** Every series name the server's registry exposes (histograms as _bucket, _sum, _count). */
async function exportedSeries(): Promise<Set<string>> {
  const metrics = createMetrics({ pod: "test", role: "all" });
  createChatMetrics(metrics.registry);
  createAiMetrics(metrics.registry);
  const names = new Set<string>(["up"]);
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === "histogram")
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

/** Metric names a PromQL expression reads (string literals removed first). */
function seriesIn(expr: string): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...code.matchAll(/\b(?:(?:parley|nodejs|process)_[a-z0-9_]+|up)\b/g)].map((m) => m[0]);
}

interface Rule {
  alert: string;
  expr: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

let exported: Set<string>;
let rules: Rule[];
let dashboardExprs: string[];

beforeAll(async () => {
  exported = await exportedSeries();
  const rule = readYaml("deploy/base/prometheus-rule.yaml") as { spec: { groups: { rules: Rule[] }[] } };
  rules = rule.spec.groups.flatMap((g) => g.rules);
  const dashboard = JSON.parse(readFileSync(join(ROOT, "deploy/grafana/parley-dashboard.json"), "utf8")) as {
    panels: { targets: { expr: string }[] }[];
    templating: { list: { definition?: string }[] };
  };
  dashboardExprs = [
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
  ];
});

describe("the PrometheusRule", () => {
  it("alerts only on series the server exports", () => {
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const rule of rules) {
      const series = seriesIn(rule.expr);
      expect(series.length, rule.alert).toBeGreaterThan(0);
      for (const name of series) expect(exported, `${rule.alert}: ${name}`).toContain(name);
      expect(["critical", "warning"]).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
    }
  });

  it("names jobs the ServiceMonitor produces (its Services' names)", () => {
    const jobs = rules.flatMap((r) => [...r.expr.matchAll(/job="([^"]+)"/g)].map((m) => m[1]));
    expect(new Set(jobs)).toEqual(new Set(["parley-api", "parley-worker"]));
    for (const service of ["api", "worker"]) {
      const object = readYaml(`deploy/base/${service}-service.yaml`) as { metadata: { name: string } };
      expect(object.metadata.name).toBe(`parley-${service}`);
    }
  });

  it("is documented alert by alert in the README", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const rule of rules) expect(readme.includes(`\`${rule.alert}\``), rule.alert).toBe(true);
  });

  it("catches a renamed metric (the check can fail)", () => {
    expect(seriesIn('sum(rate(parley_http_requests_total{job="parley-api"}[5m]))')).toEqual([
      "parley_http_requests_total",
    ]);
    expect(exported).not.toContain("parley_http_requests_total");
  });
});

describe("the Grafana dashboard", () => {
  it("queries only series the server exports", () => {
    expect(dashboardExprs.length).toBeGreaterThanOrEqual(10);
    for (const expr of dashboardExprs) {
      const series = seriesIn(expr);
      expect(series.length, expr).toBeGreaterThan(0);
      for (const name of series) expect(exported, `${name} in ${expr}`).toContain(name);
    }
  });

  it("charts every metric of Parley's own", () => {
    const charted = new Set(
      dashboardExprs.flatMap(seriesIn).map((n) => n.replace(/_(bucket|sum|count)$/, "")),
    );
    const own = [...exported].filter((n) => n.startsWith("parley_") && !/_(bucket|sum|count)$/.test(n));
    expect(own.length).toBeGreaterThanOrEqual(10);
    for (const name of own) expect(charted, name).toContain(name);
  });
});
