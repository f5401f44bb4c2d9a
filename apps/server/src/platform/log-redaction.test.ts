import { describe, expect, it } from "vitest";
import { redactUrl } from "./log-redaction.ts";

const token = "Zr3kP0_-aQ9xYt7LmN2bV5cD8eF1gH4jK6lM9nB0vCx";
const uuid = "0195f3a2-7c1e-7a4b-9d2f-3e4a5b6c7d8e";

describe("redactUrl", () => {
  it("hides invitation tokens in API and app paths", () => {
    expect(redactUrl(`/api/v1/invitations/${token}/accept`)).toBe("/api/v1/invitations/[redacted]/accept");
    expect(redactUrl("/invite/short")).toBe("/invite/[redacted]");
  });

  it("hides credential-like query values and secret-looking segments, keeping ids", () => {
    expect(redactUrl("/cb?code=abc&state=def&next=%2Fchat")).toBe(
      "/cb?code=[redacted]&state=[redacted]&next=%2Fchat",
    );
    expect(redactUrl(`/api/v1/teams/${uuid}/members?limit=5`)).toBe(`/api/v1/teams/${uuid}/members?limit=5`);
    expect(redactUrl(`/x/pk_${uuid}_${token}`)).toBe("/x/[redacted]");
    expect(redactUrl("/x?t=rt_abc")).toBe("/x?t=[redacted]");
    expect(redactUrl("http://user:pw@host:11434/api")).toBe("http://[redacted]@host:11434/api");
  });

  it("keeps URLs that carry no secret as they are", () => {
    expect(redactUrl("/api/v1/conversations?cursor=abc&limit=20")).toBe(
      "/api/v1/conversations?cursor=abc&limit=20",
    );
    expect(redactUrl("/%E0%A4%A")).toBe("/%E0%A4%A");
  });
});
