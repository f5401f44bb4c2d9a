import type { ReactNode } from "react";
import { ApiError } from "../../api.ts";

/** A titled admin section with the states every query can be in. */
export function Panel({
  title,
  children,
  error,
  loading,
}: {
  title: string;
  children: ReactNode;
  error?: unknown;
  loading?: boolean;
}) {
  return (
    <section aria-labelledby={`panel-${title}`} className="panel">
      <h1 id={`panel-${title}`}>{title}</h1>
      {loading && <p className="muted">Loading…</p>}
      {error != null && (
        <p role="alert" className="error">
          {error instanceof ApiError && error.status === 403
            ? "You do not have permission to see this."
            : error instanceof Error
              ? error.message
              : "Failed"}
        </p>
      )}
      {children}
    </section>
  );
}
