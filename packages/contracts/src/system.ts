import { z } from "zod";

/** How the process is deployed: everything in one process, or on shared services. */
export const DeploymentMode = z.enum(["embedded", "distributed"]);
export type DeploymentMode = z.infer<typeof DeploymentMode>;

/** What a process does: serve HTTP, run background work, or both. */
export const ProcessRole = z.enum(["api", "worker", "all"]);
export type ProcessRole = z.infer<typeof ProcessRole>;

/** `GET /api/v1/system/info`. */
export const SystemInfo = z
  .object({
    name: z.literal("parley"),
    version: z.string(),
    mode: DeploymentMode,
    role: ProcessRole,
    podId: z.string().describe("Identity of the process that answered."),
    startedAt: z.iso.datetime(),
  })
  .meta({ id: "SystemInfo" });
export type SystemInfo = z.infer<typeof SystemInfo>;

/** State of one dependency in `/readyz`. */
export const ComponentStatus = z.object({
  status: z.enum(["up", "down"]),
  latencyMs: z.number(),
  error: z.string().optional(),
});
export type ComponentStatus = z.infer<typeof ComponentStatus>;

/** `GET /readyz`: 200 when every component is up, 503 naming those that are not. */
export const Readiness = z
  .object({
    status: z.enum(["ready", "unavailable", "draining"]),
    components: z.record(z.string(), ComponentStatus),
  })
  .meta({ id: "Readiness" });
export type Readiness = z.infer<typeof Readiness>;

/** `GET /healthz`: the process is alive and its event loop turns. */
export const Liveness = z.object({ status: z.literal("ok") }).meta({ id: "Liveness" });
export type Liveness = z.infer<typeof Liveness>;
