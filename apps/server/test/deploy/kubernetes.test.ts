import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Ajv } from "ajv";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { beforeAll, describe, expect, it } from "vitest";
import {
  OVERLAYS,
  ROOT,
  byKind,
  podSpec,
  readYaml,
  renderOverlay,
  requireKubectl,
  type K8sObject,
  type Overlay,
} from "./deploy-support.ts";

/** Validates one object against its kind's schema; throws with the schema's errors. */
type Validate = (object: K8sObject) => void;

/** Wraps a kubernetes-models class: its `validate()` checks the object against the API schema. */
function model(Model: new (data: never) => { validate(): void }): Validate {
  return (object) => {
    new Model(object as never).validate();
  };
}

/** OpenShift's Route has no npm model; deploy/schemas holds the project's own schema. */
function routeValidator(): Validate {
  const schema = JSON.parse(
    readFileSync(join(ROOT, "deploy/schemas/route.openshift.io-v1.Route.json"), "utf8"),
  ) as object;
  const check = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);
  return (object) => {
    if (!check(object)) throw new Error(JSON.stringify(check.errors, null, 2));
  };
}

/**
 * kustomize folds long base64 values over lines; the API server's decoder (Go's base64) skips
 * line breaks, the schema's `byte` format does not, so they are removed first.
 */
function secretValidator(): Validate {
  const validate = model(Secret);
  return (object) => {
    const data = Object.fromEntries(
      Object.entries(object.data ?? {}).map(([key, value]) => [key, value.replace(/[\r\n]/g, "")]),
    );
    validate({ ...object, data });
  };
}

const VALIDATORS: Record<string, Validate> = {
  "v1/ConfigMap": model(ConfigMap),
  "v1/Secret": secretValidator(),
  "v1/Service": model(Service),
  "v1/PersistentVolumeClaim": model(PersistentVolumeClaim),
  "apps/v1/Deployment": model(Deployment),
  "batch/v1/Job": model(Job),
  "policy/v1/PodDisruptionBudget": model(PodDisruptionBudget),
  "autoscaling/v2/HorizontalPodAutoscaler": model(HorizontalPodAutoscaler),
  "networking.k8s.io/v1/NetworkPolicy": model(NetworkPolicy),
  "networking.k8s.io/v1/Ingress": model(Ingress),
  "monitoring.coreos.com/v1/ServiceMonitor": model(ServiceMonitor),
  "monitoring.coreos.com/v1/PrometheusRule": model(PrometheusRule),
  "route.openshift.io/v1/Route": routeValidator(),
};

/** Schema problems of each object, by `Kind/name`; empty when all are valid. */
function validationErrors(objects: K8sObject[]): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const object of objects) {
    const validate = VALIDATORS[`${object.apiVersion}/${object.kind}`];
    const id = `${object.apiVersion}/${object.kind}/${object.metadata.name}`;
    if (!validate) {
      problems[id] = "no schema for this kind: add one to VALIDATORS";
      continue;
    }
    try {
      validate(object);
    } catch (err) {
      problems[id] = err instanceof Error ? err.message : String(err);
    }
  }
  return problems;
}

const rendered = new Map<Overlay, K8sObject[]>();
beforeAll(() => {
  requireKubectl();
  for (const overlay of OVERLAYS) rendered.set(overlay, renderOverlay(overlay));
});
const objectsOf = (overlay: Overlay): K8sObject[] => rendered.get(overlay) ?? [];

describe.each(OVERLAYS)("deploy/overlays/%s", (overlay) => {
  it("renders objects that are valid against their Kubernetes schemas", () => {
    const objects = objectsOf(overlay);
    expect(objects.map((o) => o.kind).sort()).toEqual(
      expect.arrayContaining([
        "ConfigMap",
        "Deployment",
        "Deployment",
        "HorizontalPodAutoscaler",
        "HorizontalPodAutoscaler",
        "Job",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "PodDisruptionBudget",
        "PodDisruptionBudget",
        "PrometheusRule",
        "Service",
        "Service",
        "ServiceMonitor",
      ]),
    );
    expect(validationErrors(objects)).toEqual({});
    for (const object of objects) expect(object.metadata.namespace, object.metadata.name).toMatch(/^parley/);
  });

  it("runs api and worker pods with probes, resources and a locked-down container", () => {
    const deployments = byKind(objectsOf(overlay), "Deployment");
    for (const [name, role] of [
      ["parley-api", "api"],
      ["parley-worker", "worker"],
    ] as const) {
      const deployment = deployments.get(name);
      if (!deployment) throw new Error(`${name} is missing`);
      const pod = podSpec(deployment);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      const [container] = pod.containers;
      expect(container?.args).toEqual(["start", "--role", role]);
      expect(container?.livenessProbe?.httpGet?.path).toBe("/healthz");
      expect(container?.startupProbe?.httpGet?.path).toBe("/healthz");
      expect(container?.readinessProbe?.httpGet?.path).toBe("/readyz");
      expect(Object.keys(container?.resources?.requests ?? {}).sort()).toEqual(["cpu", "memory"]);
      expect(container?.resources?.limits?.memory).toEqual(expect.any(String));
      expect(container?.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
    }
    const job = byKind(objectsOf(overlay), "Job").get("parley-migrate");
    expect(job && podSpec(job).containers[0]?.args).toEqual(["migrate"]);
  });
});

/** True when every label of `selector` is on `labels`. */
function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

describe.each(OVERLAYS)("deploy/overlays/%s wiring", (overlay) => {
  it("connects selectors, targets and ports to objects that exist", () => {
    const objects = objectsOf(overlay);
    const deployments = [...byKind(objects, "Deployment").values()];
    const podLabels = (d: K8sObject) =>
      (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    const selectorOf = (o: K8sObject, path: "selector" | "podSelector") =>
      (o.spec?.[path] as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
    for (const deployment of deployments)
      expect(
        selects(selectorOf(deployment, "selector"), podLabels(deployment)),
        deployment.metadata.name,
      ).toBe(true);
    // Each Service, PDB and NetworkPolicy picks the pods of exactly one Deployment.
    for (const [kind, path] of [
      ["Service", "selector"],
      ["PodDisruptionBudget", "selector"],
      ["NetworkPolicy", "podSelector"],
    ] as const) {
      for (const object of byKind(objects, kind).values()) {
        if (object.metadata.name === "parley-migrate") continue;
        const selector =
          kind === "Service" ? (object.spec?.selector as Record<string, string>) : selectorOf(object, path);
        const matched = deployments.filter((d) => selects(selector, podLabels(d)));
        expect(
          matched.map((d) => d.metadata.name),
          `${kind}/${object.metadata.name}`,
        ).toEqual([object.metadata.name]);
      }
    }
    for (const hpa of byKind(objects, "HorizontalPodAutoscaler").values()) {
      const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      expect(byKind(objects, target.kind).has(target.name), hpa.metadata.name).toBe(true);
    }
    // The ServiceMonitor scrapes both Services on their named port.
    const monitor = byKind(objects, "ServiceMonitor").get("parley");
    const services = [...byKind(objects, "Service").values()];
    expect(
      services.filter((s) => selects(selectorOf(monitor ?? ({} as K8sObject), "selector"), s.metadata.labels))
        .length,
    ).toBe(2);
    for (const service of services) {
      const ports = (service.spec as { ports: { name: string }[] }).ports.map((p) => p.name);
      expect(ports).toContain("http");
    }
    // Whatever fronts the api (Ingress or Route) points at the api Service's named port.
    const ingress = byKind(objects, "Ingress").get("parley");
    const route = byKind(objects, "Route").get("parley");
    const backend = ingress
      ? (
          ingress.spec as {
            rules: {
              http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] };
            }[];
          }
        ).rules[0]?.http.paths[0]?.backend.service
      : {
          name: (route?.spec as { to: { name: string } }).to.name,
          port: { name: (route?.spec as { port: { targetPort: string } }).port.targetPort },
        };
    expect(backend).toEqual({ name: "parley-api", port: { name: "http" } });
    // The pods mount the data volume the overlay declares.
    expect(byKind(objects, "PersistentVolumeClaim").has("parley-data")).toBe(true);
    for (const deployment of deployments) {
      const pod = podSpec(deployment) as { volumes?: { persistentVolumeClaim?: { claimName: string } }[] };
      const claims = (pod.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName);
      expect(claims, deployment.metadata.name).toContain("parley-data");
    }
  });
});

describe("the overlays differ where environments do", () => {
  it("sets replicas, autoscaling floors and service URLs per environment", () => {
    const shape = (overlay: Overlay) => {
      const objects = objectsOf(overlay);
      const deployments = byKind(objects, "Deployment");
      const hpa = byKind(objects, "HorizontalPodAutoscaler");
      const config = objects.find((o) => o.kind === "ConfigMap");
      return {
        api: deployments.get("parley-api")?.spec?.replicas,
        worker: deployments.get("parley-worker")?.spec?.replicas,
        apiMin: hpa.get("parley-api")?.spec?.minReplicas,
        nats: config?.data?.PARLEY_NATS_URL,
      };
    };
    expect(shape("development")).toEqual({ api: 1, worker: 1, apiMin: 1, nats: "nats://nats:4222" });
    expect(shape("staging")).toMatchObject({ api: 2, worker: 1, apiMin: 2 });
    expect(shape("production")).toMatchObject({ api: 3, worker: 2, apiMin: 3 });
    expect(shape("staging").nats).not.toBe(shape("production").nats);
  });

  it("generates the Secret only in development; elsewhere the pods reference one created outside", () => {
    expect(byKind(objectsOf("development"), "Secret").size).toBe(1);
    for (const overlay of ["staging", "production", "openshift"] as const)
      expect(byKind(objectsOf(overlay), "Secret").size).toBe(0);
  });
});

describe("the OpenShift overlay", () => {
  it("exposes the api through an edge-TLS Route with a long timeout instead of an Ingress", () => {
    const objects = objectsOf("openshift");
    expect(byKind(objects, "Ingress").size).toBe(0);
    const route = byKind(objects, "Route").get("parley");
    expect(route?.spec).toMatchObject({
      to: { kind: "Service", name: "parley-api" },
      tls: { termination: "edge", insecureEdgeTerminationPolicy: "Redirect" },
    });
    const timeout = route?.metadata.annotations?.["haproxy.router.openshift.io/timeout"] ?? "";
    expect(timeout).toMatch(/^\d+h$/);
  });

  it("fixes no UID, group or fsGroup anywhere, so restricted-v2 can assign them", () => {
    const text = JSON.stringify(objectsOf("openshift"));
    expect(text).not.toMatch(/"(runAsUser|runAsGroup|fsGroup)":/);
    // The vanilla overlays do fix them: the component is what removes them.
    expect(JSON.stringify(objectsOf("production"))).toMatch(/"runAsUser":1001/);
  });

  it("refuses a Route that its schema does not allow (the validator can fail)", () => {
    const route = byKind(objectsOf("openshift"), "Route").get("parley");
    if (!route) throw new Error("no Route");
    const broken = structuredClone(route);
    (broken.spec as { tls: { termination: string } }).tls.termination = "edge-ish";
    expect(validationErrors([broken])).not.toEqual({});
    const typo = structuredClone(route);
    (typo.spec as Record<string, unknown>).tsl = { termination: "edge" };
    expect(validationErrors([typo])).not.toEqual({});
  });
});

describe("a Kubernetes schema violation", () => {
  it("is reported (the validators can fail)", () => {
    const deployment = byKind(objectsOf("production"), "Deployment").get("parley-api");
    if (!deployment) throw new Error("no api Deployment");
    const broken = structuredClone(deployment);
    (broken.spec as { replicas: unknown }).replicas = "three";
    expect(Object.keys(validationErrors([broken]))).toEqual(["apps/v1/Deployment/parley-api"]);
  });
});

describe("deploy/argocd/application.yaml", () => {
  it("is a valid ArgoCD Application whose path is an overlay that renders", () => {
    const app = readYaml("deploy/argocd/application.yaml") as {
      spec: { source: { path: string }; destination: { namespace: string } };
    };
    new Application(app as never).validate();
    const overlay = app.spec.source.path.replace(/^deploy\/overlays\//, "");
    expect(OVERLAYS).toContain(overlay);
    const namespaces = new Set(objectsOf(overlay as Overlay).map((o) => o.metadata.namespace));
    expect([...namespaces]).toEqual([app.spec.destination.namespace]);
  });

  it("runs the migration Job as a PreSync hook", () => {
    const job = byKind(objectsOf("production"), "Job").get("parley-migrate");
    expect(job?.metadata.annotations?.["argocd.argoproj.io/hook"]).toBe("PreSync");
  });
});
