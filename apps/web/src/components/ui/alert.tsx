import type { ReactNode } from "react";

/** An error message announced to screen readers; renders nothing without a message. */
export function Alert({ children, inline = false }: { children?: ReactNode; inline?: boolean }) {
  if (children === undefined || children === null || children === false || children === "") return null;
  return inline ? (
    <span role="alert" className="error">
      {" "}
      {children}
    </span>
  ) : (
    <p role="alert" className="error">
      {children}
    </p>
  );
}
