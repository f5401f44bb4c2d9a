import type { MoveLabelResult, Prompt } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { promptKeys } from "./use-prompts.ts";

/**
 * The prompt's labels, and a form to point one at a version, split it between two (A/B, sticky per
 * user), or protect it. A protected label changes only once someone else approves.
 */
export function PromptLabels({ prompt }: { prompt: Prompt }) {
  const queryClient = useQueryClient();
  const [label, setLabel] = useState("production");
  const [version, setVersion] = useState(String(prompt.currentVersion));
  const [second, setSecond] = useState("");
  const [weight, setWeight] = useState("10");
  const [protect, setProtect] = useState(false);
  const [reason, setReason] = useState("");
  const existing = prompt.labels.find((l) => l.label === label);
  const move = useMutation({
    mutationFn: () => {
      const w = Number(weight);
      const body: Record<string, unknown> = second
        ? {
            versions: [
              { version: Number(version), weight: 100 - w },
              { version: Number(second), weight: w },
            ],
          }
        : { version: Number(version) };
      if (protect !== Boolean(existing?.protected)) body.protected = protect;
      if (reason.trim()) body.reason = reason.trim();
      return api<MoveLabelResult>(`/api/v1/prompts/${prompt.id}/labels/${encodeURIComponent(label)}`, {
        method: "PUT",
        body,
      });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: promptKeys.all });
    },
  });
  const versions = Array.from({ length: prompt.currentVersion }, (_, i) => prompt.currentVersion - i);
  return (
    <div className="prompt-section">
      <h2>Labels</h2>
      {prompt.labels.length === 0 ? (
        <p className="muted">No labels: calls use the current version.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Versions</th>
              <th scope="col">Protected</th>
            </tr>
          </thead>
          <tbody>
            {prompt.labels.map((l) => (
              <tr key={l.label}>
                <td>
                  <code>{l.label}</code>
                </td>
                <td>
                  {l.versions.length === 1
                    ? `v${l.versions[0]?.version ?? ""}`
                    : l.versions.map((v) => `v${v.version} (${v.weight})`).join(" / ")}
                </td>
                <td>{l.protected ? "Yes: changes need an approval" : "No"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          move.mutate();
        }}
      >
        <label>
          Label
          <input
            value={label}
            pattern="[a-z0-9][a-z0-9._\-]{0,39}"
            onChange={(e) => {
              setLabel(e.target.value);
              setProtect(Boolean(prompt.labels.find((l) => l.label === e.target.value)?.protected));
            }}
          />
        </label>
        <label>
          Version
          <select
            aria-label="Version"
            value={version}
            onChange={(e) => {
              setVersion(e.target.value);
            }}
          >
            {versions.map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </select>
        </label>
        <label>
          A/B: second version
          <select
            aria-label="A/B: second version"
            value={second}
            onChange={(e) => {
              setSecond(e.target.value);
            }}
          >
            <option value="">None</option>
            {versions
              .filter((v) => String(v) !== version)
              .map((v) => (
                <option key={v} value={v}>
                  v{v}
                </option>
              ))}
          </select>
        </label>
        {second && (
          <label>
            Its share (%)
            <input
              type="number"
              min={1}
              max={99}
              value={weight}
              onChange={(e) => {
                setWeight(e.target.value);
              }}
            />
          </label>
        )}
        <label>
          <span>
            <input
              type="checkbox"
              checked={protect}
              onChange={(e) => {
                setProtect(e.target.checked);
              }}
            />{" "}
            Protected
          </span>
        </label>
        <label>
          Reason
          <input
            value={reason}
            maxLength={500}
            onChange={(e) => {
              setReason(e.target.value);
            }}
          />
        </label>
        <button type="submit" className="primary" disabled={move.isPending}>
          {existing?.protected ? "Request the change" : "Set label"}
        </button>
      </form>
      {move.isError && <Alert>{errorText(move.error)}</Alert>}
      {move.data?.request && (
        <p role="status" className="muted">
          The label is protected: your change waits for someone else&apos;s approval.
        </p>
      )}
    </div>
  );
}
