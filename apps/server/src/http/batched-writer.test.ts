import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { batchedWriter } from "./batched-writer.ts";

let server: Server | undefined;
afterEach(() => {
  server?.close();
});

async function serve(handler: (out: ReturnType<typeof batchedWriter>) => void): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    handler(batchedWriter(res));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  return res.text();
}

describe("batchedWriter", () => {
  it("delivers everything written in one turn, also when the response ends in that turn", async () => {
    expect(
      await serve((out) => {
        out.write("a");
        out.write("b");
        out.end("c");
      }),
    ).toBe("abc");
  });

  it("delivers writes spread over turns in order", async () => {
    expect(
      await serve((out) => {
        out.write("1");
        setTimeout(() => {
          out.write("2");
          out.write("3");
          setImmediate(() => {
            out.write("4");
            out.end();
          });
        }, 5);
      }),
    ).toBe("1234");
  });

  it("writes at once when asked, keeping the order", async () => {
    expect(
      await serve((out) => {
        out.write("a");
        out.writeNow("b");
        out.write("c");
        out.end();
      }),
    ).toBe("abc");
  });

  it("ignores writes after the end", async () => {
    expect(
      await serve((out) => {
        out.end("x");
        out.write("y");
        out.end();
      }),
    ).toBe("x");
  });
});
