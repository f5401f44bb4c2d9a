import { Alert } from "../../components/ui/alert.tsx";
import type { AuditPage, AuditVerification } from "@parley/contracts";
import { useMutation, useQuery } from "@tanstack/react-query";
import { api } from "../../api.ts";
import { Panel } from "./panel.tsx";

/** The audit log, newest first, and a check of its hash chain. */
export function AuditPanel() {
  const audit = useQuery({ queryKey: ["audit"], queryFn: () => api<AuditPage>("/api/v1/audit?limit=100") });
  const verify = useMutation({ mutationFn: () => api<AuditVerification>("/api/v1/audit/verify") });
  return (
    <Panel title="Audit log" loading={audit.isPending} error={audit.error}>
      <p>
        <button
          type="button"
          onClick={() => {
            verify.mutate();
          }}
          disabled={verify.isPending}
        >
          Verify chain
        </button>{" "}
        {verify.data && (
          <span role="status" className={verify.data.ok ? "ok" : "error"}>
            {verify.data.ok
              ? `Chain intact: ${verify.data.checked} entries checked.`
              : `Broken at entry ${verify.data.firstBrokenSeq ?? "?"}: ${verify.data.reason ?? ""}`}
          </span>
        )}
        <Alert inline>{verify.error?.message}</Alert>
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Outcome</th>
            <th scope="col">Target</th>
          </tr>
        </thead>
        <tbody>
          {audit.data?.items.map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td>{new Date(e.at).toLocaleString()}</td>
              <td>{e.actor.email ?? e.actor.type}</td>
              <th scope="row">{e.action}</th>
              <td>{e.outcome}</td>
              <td>{e.target ? `${e.target.type} ${e.target.id ?? ""}` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
