import type { LabelChangeRequest, Prompt } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { promptKeys, useRequests } from "./use-prompts.ts";

/** Pending changes of protected labels: someone other than the requester approves or denies them. */
export function LabelRequests({ prompts }: { prompts: Prompt[] }) {
  const requests = useRequests();
  const me = useMe().data;
  const names = new Map(prompts.map((p) => [p.id, p.name]));
  return (
    <section className="panel prompt-section">
      <h2>Pending approvals</h2>
      {requests.isError && <Alert>{errorText(requests.error)}</Alert>}
      {requests.data?.items.length === 0 && <p className="muted">Nothing waits for an approval.</p>}
      {requests.data && requests.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Prompt</th>
              <th scope="col">Label</th>
              <th scope="col">Change</th>
              <th scope="col">Reason</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {requests.data.items.map((r) => (
              <RequestRow
                key={r.id}
                request={r}
                name={names.get(r.promptId) ?? r.promptId}
                mine={r.requestedBy === me?.user.id}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RequestRow({ request, name, mine }: { request: LabelChangeRequest; name: string; mine: boolean }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const decide = useMutation({
    mutationFn: (verdict: "approve" | "deny") =>
      api<LabelChangeRequest>(`/api/v1/prompt-label-requests/${request.id}/${verdict}`, {
        method: "POST",
        body: reason.trim() ? { reason: reason.trim() } : {},
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: promptKeys.all });
    },
  });
  const change = [
    request.versions
      ? request.versions
          .map((v) => `v${v.version}${request.versions?.length === 2 ? ` (${v.weight})` : ""}`)
          .join(" / ")
      : null,
    request.protected === null ? null : request.protected ? "protect" : "unprotect",
  ]
    .filter(Boolean)
    .join(", ");
  return (
    <tr>
      <td>{name}</td>
      <td>
        <code>{request.label}</code>
      </td>
      <td>{change}</td>
      <td>{request.requestReason || "—"}</td>
      <td>
        {mine ? (
          <span className="muted">Yours: someone else decides</span>
        ) : (
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
            }}
          >
            <input
              aria-label={`Reason for ${request.label} of ${name}`}
              placeholder="Reason"
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
              }}
            />
            <button
              type="button"
              className="primary"
              disabled={decide.isPending}
              onClick={() => {
                decide.mutate("approve");
              }}
            >
              Approve
            </button>
            <button
              type="button"
              disabled={decide.isPending || !reason.trim()}
              onClick={() => {
                decide.mutate("deny");
              }}
            >
              Deny
            </button>
          </form>
        )}
        {decide.isError && <Alert>{errorText(decide.error)}</Alert>}
      </td>
    </tr>
  );
}
