import type { GovernanceRule } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { ruleKeys, rulesApi } from "./rules-api.ts";

/** Whose a rule is: "Organisation-wide", or its team's name. */
export function RuleWhere({ rule }: { rule: Pick<GovernanceRule, "teamId"> }) {
  const teams = useMe().data?.teams ?? [];
  const label =
    rule.teamId === null
      ? "Organisation-wide"
      : `Team ${teams.find((t) => t.id === rule.teamId)?.name ?? "(not a member)"}`;
  return <span className="where-badge">{label}</span>;
}

/** A rule's on/off state: a switch for whoever may change it, a label for the others. */
export function EnabledSwitch({
  rule,
  editable,
  onError,
}: {
  rule: GovernanceRule;
  editable: boolean;
  onError: (message: string | null) => void;
}) {
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => rulesApi.setEnabled(rule.id, enabled),
    onMutate: () => {
      onError(null);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ruleKeys.all });
    },
    onError: (error) => {
      onError(errorText(error));
    },
  });
  const enabled = toggle.isPending ? toggle.variables : rule.enabled;
  if (!editable)
    return (
      <span className={`status ${rule.enabled ? "status-ready" : "status-off"}`}>
        {rule.enabled ? "On" : "Off"}
      </span>
    );
  return (
    <button
      type="button"
      role="switch"
      className="switch"
      aria-checked={enabled}
      aria-label={`${rule.name} enabled`}
      disabled={toggle.isPending}
      onClick={() => {
        toggle.mutate(!rule.enabled);
      }}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      {enabled ? "On" : "Off"}
    </button>
  );
}

/** Deletes a rule and its versions after a confirmation; `onDeleted` runs once it is gone. */
export function DeleteRuleButton({
  rule,
  className = "ghost small danger",
  onDeleted,
  onError,
}: {
  rule: GovernanceRule;
  className?: string;
  onDeleted?: () => void;
  onError: (message: string | null) => void;
}) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const remove = useMutation({
    mutationFn: () => rulesApi.remove(rule.id),
    onMutate: () => {
      onError(null);
    },
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: ruleKeys.one(rule.id) });
      await queryClient.invalidateQueries({ queryKey: ruleKeys.all });
      onDeleted?.();
    },
    onError: (error) => {
      onError(errorText(error));
    },
  });
  return (
    <>
      <button
        type="button"
        className={className}
        aria-label={`Delete ${rule.name}`}
        disabled={remove.isPending}
        onClick={() => {
          setOpen(true);
        }}
      >
        {remove.isPending ? "Deleting…" : "Delete"}
      </button>
      <ConfirmDialog
        open={open}
        onOpenChange={setOpen}
        title={`Delete the rule “${rule.name}”?`}
        description={`Its ${rule.currentVersion} ${rule.currentVersion === 1 ? "version goes" : "versions go"} with it, and it stops applying at once. This cannot be undone; disabling it keeps it.`}
        confirmLabel="Delete rule"
        onConfirm={() => {
          remove.mutate();
        }}
      />
    </>
  );
}
