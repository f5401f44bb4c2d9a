import type { ErrorEnvelope } from "@parley/contracts";

/** An error answer of the Parley API, with its stable code. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** The envelope's structured context, such as a validation failure's `issues`. */
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function csrfToken(): string | null {
  const match = /(?:^|;\s*)parley_csrf=([^;]+)/.exec(document.cookie);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

let refreshing: Promise<boolean> | null = null;

/** Exchanges the refresh cookie for a new session; concurrent callers share one attempt. */
function refreshSession(): Promise<boolean> {
  refreshing ??= fetch("/api/v1/auth/refresh", { method: "POST", credentials: "same-origin" })
    .then((res) => res.ok)
    .catch(() => false)
    .finally(() => {
      setTimeout(() => (refreshing = null), 0);
    });
  return refreshing;
}

/** Sends a request with the session cookies and CSRF token; refreshes an expired session once. */
async function send(
  path: string,
  init: { method?: string; body?: unknown; accept?: string; signal?: AbortSignal },
): Promise<Response> {
  const method = init.method ?? "GET";
  const attempt = () => {
    const headers: Record<string, string> = { accept: init.accept ?? "application/json" };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const csrf = UNSAFE.has(method) ? csrfToken() : null;
    if (csrf) headers["x-csrf-token"] = csrf;
    return fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      ...(init.signal ? { signal: init.signal } : {}),
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  };
  let response = await attempt();
  if (response.status === 401 && !path.startsWith("/api/v1/auth/") && (await refreshSession()))
    response = await attempt();
  // A session signed in before CSRF tokens were bound to sessions holds an old token: a refresh
  // sets the session's own, once.
  else if (response.status === 403 && (await isCsrfFailure(response)) && (await refreshSession()))
    response = await attempt();
  return response;
}

/** The `ApiError` of an error answer (Parley's envelope, or OpenAI's shape on `/v1`). */
async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as ErrorEnvelope | null;
  return new ApiError(
    response.status,
    body?.error.code ?? "http.error",
    body?.error.message ?? `HTTP ${response.status}`,
    body?.error.details,
  );
}

/**
 * A streaming POST (an OpenAI-compatible completion, say) with the session: the response to read
 * as it arrives. @throws ApiError when the server refuses it.
 */
export async function apiStream(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  const response = await send(path, {
    method: "POST",
    body,
    accept: "text/event-stream",
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw await errorOf(response);
  return response;
}

/**
 * Calls the API with the session cookies: adds the CSRF token on unsafe methods, refreshes an
 * expired access token once, and turns error answers into `ApiError`s with their stable codes.
 */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; acceptStatuses?: number[] } = {},
): Promise<T> {
  const response = await send(path, init);
  if (response.status === 204) return undefined as T;
  if (response.ok || init.acceptStatuses?.includes(response.status)) return (await response.json()) as T;
  throw await errorOf(response);
}

async function isCsrfFailure(response: Response): Promise<boolean> {
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as ErrorEnvelope | null;
  return body?.error.code === "auth.csrf_failed";
}

/** How far an upload's request body has been sent. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

/** One multipart POST through XMLHttpRequest (fetch cannot report upload progress). */
function sendForm(
  path: string,
  form: FormData,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.withCredentials = true;
    xhr.setRequestHeader("accept", "application/json");
    const csrf = csrfToken();
    if (csrf) xhr.setRequestHeader("x-csrf-token", csrf);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress({ loaded: event.loaded, total: event.total });
    };
    xhr.onload = () => {
      resolve({ status: xhr.status, body: xhr.responseText });
    };
    // Same as fetch: a network failure is a TypeError, which `errorText` words as "not reachable".
    xhr.onerror = () => {
      reject(new TypeError("Network error"));
    };
    xhr.onabort = () => {
      reject(new DOMException("The upload was cancelled", "AbortError"));
    };
    signal?.addEventListener("abort", () => {
      xhr.abort();
    });
    xhr.send(form);
  });
}

/**
 * POSTs `form` as multipart/form-data with the session, reporting how much of it was sent;
 * refreshes an expired session once (sending the files again).
 * @throws ApiError when the server refuses it.
 * @example
 * await apiUpload<UploadResult>(`/api/v1/knowledge-bases/${id}/documents`, form, (p) => show(p.loaded / p.total));
 */
export async function apiUpload<T>(
  path: string,
  form: FormData,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<T> {
  let answer = await sendForm(path, form, onProgress, signal);
  if (answer.status === 401 && (await refreshSession()))
    answer = await sendForm(path, form, onProgress, signal);
  const body = (() => {
    try {
      return JSON.parse(answer.body) as unknown;
    } catch {
      return null;
    }
  })();
  if (answer.status >= 200 && answer.status < 300) return body as T;
  const error = (body as ErrorEnvelope | null)?.error;
  throw new ApiError(answer.status, error?.code ?? "http.error", error?.message ?? `HTTP ${answer.status}`);
}

/** GETs a JSON resource (kept for the status page). */
export function getJson<T>(path: string, acceptStatuses: number[] = []): Promise<T> {
  return api<T>(path, { acceptStatuses });
}
