import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

it("serves from the command line with the given options and stops on SIGTERM", async () => {
  const child = spawn(process.execPath, [MAIN, "--port", "0", "--chunks", "3", "--api-key", "k"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("exit", () => {
        reject(new Error(`exited before listening: ${output}`));
      });
    });
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k" },
      body: JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(await response.json()).toMatchObject({ usage: { completion_tokens: 3 } });
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});
