import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";

/** A server process started by a benchmark. */
export interface ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** Sends `signal` (default SIGTERM) and resolves once the process ended. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `command args` and resolves once its output matches `ready` (the first capture group is
 * the URL it serves). Rejects after `timeoutMs` or when the process exits first.
 * @example
 * const up = await startServer("upstream", process.execPath, [main, "--port", "0"], /listening on (\S+)/);
 */
export function startServer(
  name: string,
  command: string,
  args: string[],
  ready: RegExp,
  options: { env?: Record<string, string>; timeoutMs?: number; url?: string } = {},
): Promise<ServerProcess> {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${options.timeoutMs ?? 30_000} ms:\n${text}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      // Keep only the tail: a chatty server must not grow the benchmark's memory.
      text = (text + chunk.toString()).slice(-20_000);
      const match = ready.exec(text);
      if (match) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        child.stderr.off("data", onData);
        const keep = (c: Buffer) => {
          text = (text + c.toString()).slice(-20_000);
        };
        child.stdout.on("data", keep);
        child.stderr.on("data", keep);
        resolve({
          name,
          child,
          url: options.url ?? match[1] ?? "",
          output: () => text,
          stop: async (signal = "SIGTERM") => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            await exited;
          },
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${text}`));
    });
  });
}

/** Resident memory of process `pid` in bytes (`VmRSS`, or `VmHWM` for its peak); 0 once it is gone. */
export function rssOf(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

let clockTicks: number | undefined;

/**
 * CPU time process `pid` used so far (user + system, from `/proc/<pid>/stat`), in ms; 0 once it
 * is gone. The kernel counts in clock ticks (usually 10 ms), so measure spans of seconds.
 */
export function cpuTimeMs(pid: number): number {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces, hence from the last ")"): utime is 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return 0;
  }
}

/**
 * Polls the RSS of `pids` every `intervalMs` and keeps each one's peak until `stop()`.
 * @example const poll = pollRss([pid]); ...; const peaks = poll.stop(); // Map pid → bytes
 */
export function pollRss(pids: number[], intervalMs = 50): { stop(): Map<number, number> } {
  const peaks = new Map<number, number>(pids.map((pid) => [pid, rssOf(pid)]));
  const sample = () => {
    for (const pid of pids) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, rssOf(pid)));
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

/** One line that says what machine and load a measurement ran on. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const kernel = (() => {
    try {
      return execFileSync("uname", ["-sr"]).toString().trim();
    } catch {
      return "unknown kernel";
    }
  })();
  return `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GB, ${kernel}, Node ${process.version}, load average before the run ${load}`;
}

/** The 1-minute load average. */
export function loadAverage(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

/** Waits (up to `maxWaitMs`) until the 1-minute load average is below `threshold`. */
export async function waitForQuietMachine(threshold: number, maxWaitMs = 120_000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let load = loadAverage();
  while (load >= threshold && Date.now() < deadline) {
    console.error(`load average ${load} ≥ ${threshold}: waiting for the machine to calm down`);
    await new Promise((r) => setTimeout(r, 10_000));
    load = loadAverage();
  }
  return load;
}

/** Megabytes, one decimal. */
export const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that cannot take port 0). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = address && typeof address === "object" ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}
