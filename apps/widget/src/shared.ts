import type { WidgetPublicConfig } from "@parley/contracts";

/** How the loader (or the iframe page) hands the chat what it knows. */
export interface Boot {
  /** Parley's origin, where the API and the widget's files are. */
  api: string;
  /** The widget's public key, `wk_…`. */
  key: string;
  /** Signed mode: the host site's user id and its HMAC signature. */
  userId?: string | undefined;
  signature?: string | undefined;
}

/** What the chat bundle offers the loader (`window.ParleyWidgetChat`). */
export interface ChatBundle {
  mount(root: ShadowRoot, options: MountOptions): { open(): void; close(): void };
}

export interface MountOptions {
  boot: Boot;
  config: WidgetPublicConfig;
  /** True in the iframe page: the chat fills the frame and has no close button. */
  frame: boolean;
  /** Called when the visitor closes the panel (the launcher shows again). */
  onClose?: () => void;
}

/** The URL of the public visitor API of `boot`'s widget. */
export function apiBase(boot: Boot): string {
  return `${boot.api}/api/v1/widget-api/${encodeURIComponent(boot.key)}`;
}

/** What the widget remembers of a visitor on this site (localStorage of the host page). */
export interface Stored {
  token?: string;
  expiresAt?: string;
  userId?: string;
  conversationId?: string;
  open?: boolean;
  /**
   * A message sent and not yet acknowledged, with the `Idempotency-Key` it went with: a reload
   * before the server's answer arrived sends it again under the same key, and the server answers
   * with what it stored (or stores it now), never twice.
   */
  pending?: PendingMessage;
}

/** A message on its way (see {@link Stored.pending}). */
export interface PendingMessage {
  key: string;
  content: string;
  conversationId?: string;
}

/** A fresh idempotency key (random; `getRandomValues` works on plain-http host pages too). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const storageKey = (key: string) => `parley-widget:${key}`;

/** The widget's memory on this site; `{}` when storage is unavailable (private modes, sandboxes). */
export function load(key: string): Stored {
  try {
    return JSON.parse(localStorage.getItem(storageKey(key)) ?? "{}") as Stored;
  } catch {
    return {};
  }
}

/** Changes the widget's memory on this site (ignored when storage is unavailable). */
export function save(key: string, patch: Partial<Stored>): void {
  try {
    // JSON leaves out what is undefined: a patch with `conversationId: undefined` forgets it.
    localStorage.setItem(storageKey(key), JSON.stringify({ ...load(key), ...patch }));
  } catch {
    // Nothing to keep: the visitor starts afresh on the next page.
  }
}
