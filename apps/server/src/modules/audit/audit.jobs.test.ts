import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { startAuditRetention } from "./audit.jobs.ts";

function recordingLogger() {
  const lines: { level: "info" | "error"; obj: object; msg: string }[] = [];
  return {
    lines,
    info: (obj: object, msg: string) => void lines.push({ level: "info", obj, msg }),
    error: (obj: object, msg: string) => void lines.push({ level: "error", obj, msg }),
  };
}

describe("startAuditRetention", () => {
  it("prunes at once and then every interval, with the configured retention", async () => {
    const calls: number[] = [];
    const logger = recordingLogger();
    const stop = startAuditRetention({
      audit: { prune: (days) => Promise.resolve({ deleted: calls.push(days) }) },
      retentionDays: 90,
      intervalMs: 20,
      logger,
    });
    expect(calls).toEqual([90]);
    await sleep(70);
    await stop();
    const count = calls.length;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(calls.every((d) => d === 90)).toBe(true);
    expect(logger.lines[0]).toMatchObject({ level: "info", msg: "audit log pruned" });
    await sleep(50);
    expect(calls).toHaveLength(count);
  });

  it("logs a failed prune, keeps going and never throws", async () => {
    let n = 0;
    const logger = recordingLogger();
    const stop = startAuditRetention({
      audit: {
        prune: () =>
          ++n === 1 ? Promise.reject(new Error("database down")) : Promise.resolve({ deleted: 0 }),
      },
      retentionDays: 90,
      intervalMs: 10,
      logger,
    });
    await sleep(50);
    await stop();
    expect(n).toBeGreaterThanOrEqual(2);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      level: "error",
      msg: "audit retention failed; retrying at the next interval",
    });
    expect((logger.lines[0]?.obj as { err: Error }).err.message).toBe("database down");
  });

  it("never overlaps a slow prune, and stop() waits for the one in progress", async () => {
    let running = 0;
    let overlapped = false;
    let finished = 0;
    const stop = startAuditRetention({
      audit: {
        prune: async () => {
          running++;
          overlapped ||= running > 1;
          await sleep(40);
          running--;
          finished++;
          return { deleted: 0 };
        },
      },
      retentionDays: 1,
      intervalMs: 5,
      logger: recordingLogger(),
    });
    await sleep(60);
    await stop();
    expect(overlapped).toBe(false);
    expect(running).toBe(0);
    expect(finished).toBeGreaterThanOrEqual(1);
  });
});
