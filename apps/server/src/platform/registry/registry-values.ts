import type { RegistryMember } from "./registry.port.ts";

/**
 * Rules shared by every registry/cache adapter, so that they behave the same: values travel as
 * JSON, TTLs are whole positive milliseconds.
 */

/**
 * Serialises a cache value or registry info; what comes back out is always a JSON copy.
 * @throws TypeError when `value` has no JSON form (`undefined`, a function, a symbol).
 */
export function toJson(value: unknown): string {
  const json: unknown = JSON.stringify(value);
  if (typeof json !== "string") throw new TypeError("cache values must be JSON-serialisable");
  return json;
}

/**
 * Validates a TTL and rounds it up to whole milliseconds (Redis `PX` takes integers).
 * @throws RangeError when `ttlMs` is not a positive finite number.
 */
export function wholeTtlMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}

/** Parses registry info stored by {@link toJson}; anything but an object becomes `{}`. */
export function parseInfo(json: string): Record<string, unknown> {
  const info: unknown = JSON.parse(json);
  return typeof info === "object" && info !== null && !Array.isArray(info)
    ? (info as Record<string, unknown>)
    : {};
}

/** Orders registry members by id, as both adapters list them. */
export function byId(a: RegistryMember, b: RegistryMember): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
