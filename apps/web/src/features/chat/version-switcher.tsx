import type { MessageVersions } from "@parley/contracts";
import { useEffect, useRef } from "react";
import { Icon } from "../../components/ui/icons.tsx";

/** Which arrow was used, so that the next version's switcher can take focus back on it. */
export type VersionDirection = "previous" | "next";

/**
 * `< 2/3 >`: which version of a message this is, with arrows to the previous and next ones
 * (edits of a question, regenerations of an answer). Without `onSelect` the arrows are off (an
 * answer is streaming); read-only readers see only the count.
 */
export function VersionSwitcher({
  versions,
  onSelect,
  readOnly,
  focus,
  onFocused,
}: {
  versions: MessageVersions;
  onSelect: ((messageId: string, direction: VersionDirection) => void) | undefined;
  readOnly: boolean;
  /** Set on the version just switched to: the same arrow takes focus (the other at an end). */
  focus: VersionDirection | undefined;
  onFocused: () => void;
}) {
  const previous = useRef<HTMLButtonElement>(null);
  const next = useRef<HTMLButtonElement>(null);
  const { index, count, siblingIds } = versions;
  useEffect(() => {
    if (!focus) return;
    const [wanted, other] = focus === "previous" ? [previous, next] : [next, previous];
    const target = wanted.current && !wanted.current.disabled ? wanted.current : other.current;
    target?.focus();
    onFocused();
  }, [focus, onFocused]);
  const label = `Version ${index} of ${count}`;
  if (readOnly) {
    return (
      <span className="versions" role="group" aria-label={label}>
        <span aria-hidden="true">
          {index}/{count}
        </span>
      </span>
    );
  }
  const go = (to: number, direction: VersionDirection) => {
    const id = siblingIds[to - 1];
    if (id && onSelect) onSelect(id, direction);
  };
  return (
    <span className="versions" role="group" aria-label={label}>
      <button
        ref={previous}
        type="button"
        className="ghost small icon-only"
        aria-label="Previous version"
        title="Previous version"
        disabled={!onSelect || index <= 1}
        onClick={() => {
          go(index - 1, "previous");
        }}
      >
        <Icon name="chevron-left" />
      </button>
      <span className="versions-count" aria-hidden="true">
        {index}/{count}
      </span>
      <button
        ref={next}
        type="button"
        className="ghost small icon-only"
        aria-label="Next version"
        title="Next version"
        disabled={!onSelect || index >= count}
        onClick={() => {
          go(index + 1, "next");
        }}
      >
        <Icon name="chevron-right" />
      </button>
    </span>
  );
}
