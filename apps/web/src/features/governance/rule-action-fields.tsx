import { DEFAULT_APPROVAL_TIMEOUT_SECONDS, type RuleTier } from "@parley/contracts";
import { FieldError, invalidProps } from "./field-error.tsx";
import type { FieldErrors } from "./rule-draft.ts";

/**
 * Which actions `tier` cannot take, said beside the action's hint ("" before the call, which
 * can take all).
 */
export function tierNote(tier: RuleTier): string {
  if (tier === "before") return "";
  if (tier === "during") return "During the answer a rule cannot require approval (only before the call).";
  return "After the answer a rule can neither redact nor require approval: the answer was delivered.";
}

/** A `require_approval` rule's wait, in seconds as typed; empty is the server's default. */
export function ApprovalTimeoutField({
  value,
  errors,
  onChange,
}: {
  value: string;
  errors: FieldErrors;
  onChange: (value: string) => void;
}) {
  const invalid = invalidProps(errors, "approvalTimeoutSeconds");
  return (
    <div>
      <label>
        Approval timeout, in seconds
        <input
          inputMode="numeric"
          value={value}
          placeholder={String(DEFAULT_APPROVAL_TIMEOUT_SECONDS)}
          aria-describedby={["rule-timeout-hint", invalid["aria-describedby"]].filter(Boolean).join(" ")}
          aria-invalid={invalid["aria-invalid"]}
          onChange={(e) => {
            onChange(e.target.value);
          }}
        />
      </label>
      <FieldError errors={errors} at="approvalTimeoutSeconds" />
      <p className="muted small-text" id="rule-timeout-hint">
        How long a held call waits for someone with the governance:approve permission (1 to 86,400; empty:{" "}
        {DEFAULT_APPROVAL_TIMEOUT_SECONDS}). No decision by then means denied.
      </p>
    </div>
  );
}
