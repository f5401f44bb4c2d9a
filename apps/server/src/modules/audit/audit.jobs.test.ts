import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
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
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("prunes at once and then every interval, with the configured retention, until stopped", async () => {
    const calls: number[] = [];
    let checkpoints = 0;
    const logger = recordingLogger();
    const stop = startAuditRetention({
      audit: {
        prune: (days) => Promise.resolve({ deleted: calls.push(days) }),
        checkpoint: () => {
          checkpoints++;
          return Promise.resolve();
        },
      },
      retentionDays: 90,
      intervalMs: 1_000,
      logger,
    });
    expect(calls).toEqual([90]);
    await vi.advanceTimersByTimeAsync(3_500);
    expect(calls).toEqual([90, 90, 90, 90]);
    expect(checkpoints).toBe(4);
    expect(logger.lines[0]).toMatchObject({ level: "info", msg: "audit log pruned", obj: { deleted: 1 } });
    await stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(4);
  });

  it("logs a failed prune, keeps going and never throws", async () => {
    let n = 0;
    const logger = recordingLogger();
    const stop = startAuditRetention({
      audit: {
        prune: () =>
          ++n === 1 ? Promise.reject(new Error("database down")) : Promise.resolve({ deleted: 0 }),
        checkpoint: () => Promise.resolve(),
      },
      retentionDays: 90,
      intervalMs: 1_000,
      logger,
    });
    await vi.advanceTimersByTimeAsync(2_000);
    await stop();
    expect(n).toBe(3);
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
          await new Promise((resolve) => setTimeout(resolve, 2_500));
          running--;
          finished++;
          return { deleted: 0 };
        },
        checkpoint: () => Promise.resolve(),
      },
      retentionDays: 1,
      intervalMs: 1_000,
      logger: recordingLogger(),
    });
    await vi.advanceTimersByTimeAsync(3_000);
    const stopped = stop();
    await vi.advanceTimersByTimeAsync(3_000);
    await stopped;
    expect(overlapped).toBe(false);
    expect(running).toBe(0);
    expect(finished).toBe(2);
  });

  it("does not keep the process alive", () => {
    const spy = vi.spyOn(globalThis, "setInterval");
    const stop = startAuditRetention({
      audit: { prune: () => Promise.resolve({ deleted: 0 }), checkpoint: () => Promise.resolve() },
      retentionDays: 1,
      intervalMs: 1_000,
      logger: recordingLogger(),
    });
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    spy.mockRestore();
    return stop();
  });
});
