import type { GovernanceApproval, Me } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError } from "../../api.ts";
import { errorText } from "../../failures.ts";
import { ApprovalDialog } from "./approval-dialog.tsx";
import { mayApprove } from "./governance-access.ts";
import { oversightApi, oversightKeys } from "./oversight-api.ts";
import { SURFACE_LABELS } from "./rule-labels.ts";
import { timeLeft } from "./time-left.ts";
import { useAuthors } from "./use-authors.ts";

const STATUS_LABELS: Record<GovernanceApproval["status"], string> = {
  pending: "Pending",
  approved: "Approved",
  denied: "Denied",
  expired: "Expired",
  cancelled: "Cancelled",
};

/** A surface's label, or the surface as the server named it. */
export function surfaceLabel(surface: string): string {
  const labels: Partial<Record<string, string>> = SURFACE_LABELS;
  return labels[surface] ?? surface;
}

/** A team's name for `me`, "Outside teams" for null. */
export function teamLabel(me: Me | null | undefined, teamId: string | null): string {
  if (teamId === null) return "Outside teams";
  return `Team ${me?.teams.find((t) => t.id === teamId)?.name ?? "(not a member)"}`;
}

const when = (iso: string) => new Date(iso).toLocaleString();

/**
 * One held call: what held it, who asked, the masked preview; Approve and Deny for whoever may
 * decide it (never its asker), read-only for the others. `onDecided` says what happened.
 */
export function ApprovalCard({
  approval,
  me,
  now,
  onDecided,
}: {
  approval: GovernanceApproval;
  me: Me | null | undefined;
  now: number;
  onDecided: (message: string) => void;
}) {
  const queryClient = useQueryClient();
  const [verdict, setVerdict] = useState<"approve" | "deny" | null>(null);
  const name = useAuthors({ teamId: approval.teamId }, [approval.decidedBy]);
  const own = approval.requesterId !== null && approval.requesterId === me?.user.id;
  const pending = approval.status === "pending" && Date.parse(approval.expiresAt) > now;
  const actionable = pending && !own && mayApprove(me, approval.teamId);
  const decide = useMutation({
    mutationFn: (reason: string) =>
      verdict === "deny" ? oversightApi.deny(approval.id, reason) : oversightApi.approve(approval.id, reason),
    onSuccess: (done) => {
      setVerdict(null);
      onDecided(
        `${done.status === "approved" ? "Approved" : "Denied"}: the call held by “${done.ruleName}”.`,
      );
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === "governance.approval_decided") {
        setVerdict(null);
        onDecided(`Already decided: ${error.message}. The list was refreshed.`);
      }
    },
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: oversightKeys.approvals });
      await queryClient.invalidateQueries({ queryKey: oversightKeys.decisions });
    },
  });
  const asker = own ? "You" : (approval.requesterEmail ?? "A deleted account");
  return (
    <article className="approval-card" aria-labelledby={`approval-${approval.id}`}>
      <div className="row approval-head">
        <h2 id={`approval-${approval.id}`}>{approval.ruleName}</h2>
        <span className={`status approval-${approval.status}`}>{STATUS_LABELS[approval.status]}</span>
        {approval.status === "pending" && (
          <span className="muted small-text" title={`Expires at ${when(approval.expiresAt)}`}>
            {timeLeft(approval.expiresAt, now)} · expires at{" "}
            {new Date(approval.expiresAt).toLocaleTimeString()}
          </span>
        )}
      </div>
      <dl className="facts approval-facts">
        <dt>Asked by</dt>
        <dd>{asker}</dd>
        <dt>Where</dt>
        <dd>
          {teamLabel(me, approval.teamId)} · {surfaceLabel(approval.surface)}
        </dd>
        <dt>Model</dt>
        <dd>{approval.model}</dd>
        <dt>Why held</dt>
        <dd>{approval.reason}</dd>
        <dt>Asked at</dt>
        <dd>{when(approval.createdAt)}</dd>
        {approval.decidedAt && (
          <>
            <dt>Decided</dt>
            <dd>
              {when(approval.decidedAt)}
              {approval.decidedBy ? ` by ${name(approval.decidedBy)}` : ""}
              {approval.decisionReason ? `: ${approval.decisionReason}` : ""}
            </dd>
          </>
        )}
      </dl>
      <figure className="approval-preview">
        <figcaption className="muted small-text">The message, what the rule found masked</figcaption>
        <blockquote>{approval.preview || <span className="muted">(empty)</span>}</blockquote>
      </figure>
      {actionable ? (
        <div className="button-row">
          <button
            type="button"
            className="primary"
            onClick={() => {
              decide.reset();
              setVerdict("approve");
            }}
          >
            Approve
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              decide.reset();
              setVerdict("deny");
            }}
          >
            Deny
          </button>
        </div>
      ) : (
        pending && (
          <p className="muted small-text">
            {own
              ? "Your call waits here: someone else with the governance:approve permission decides it."
              : "Deciding it needs the governance:approve permission in its team."}
          </p>
        )
      )}
      <ApprovalDialog
        approval={approval}
        verdict={verdict}
        pending={decide.isPending}
        error={decide.isError ? errorText(decide.error) : null}
        onOpenChange={(open) => {
          if (!open) setVerdict(null);
        }}
        onDecide={(reason) => {
          decide.mutate(reason);
        }}
      />
    </article>
  );
}
