import type { ErrorEnvelope } from "@parley/contracts";

/** An error answer of the Parley API, with its stable code. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * GETs a JSON resource; `acceptStatuses` lists non-2xx statuses whose body is still the answer
 * (for example 503 from `/readyz`).
 */
export async function getJson<T>(path: string, acceptStatuses: number[] = []): Promise<T> {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  if (response.ok || acceptStatuses.includes(response.status)) return (await response.json()) as T;
  const body = (await response.json().catch(() => null)) as ErrorEnvelope | null;
  throw new ApiError(
    response.status,
    body?.error.code ?? "http.error",
    body?.error.message ?? `HTTP ${response.status}`,
  );
}
