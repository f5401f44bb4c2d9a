import { useState } from "react";
import { Icon } from "../../components/ui/icons.tsx";

/** Copies text to the clipboard and says so for a moment (also to screen readers). */
export function CopyButton({ text, label }: { text: () => string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="copy ghost small"
      onClick={() => {
        void navigator.clipboard.writeText(text()).then(() => {
          setCopied(true);
          setTimeout(() => {
            setCopied(false);
          }, 1500);
        });
      }}
    >
      <Icon name="copy" /> <span aria-live="polite">{copied ? "Copied" : label}</span>
    </button>
  );
}
