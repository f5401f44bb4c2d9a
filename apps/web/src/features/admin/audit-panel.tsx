import type { AuditPage, AuditVerification, ItemList, Team } from "@parley/contracts";
import { useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { Panel } from "./panel.tsx";
import { toQuery } from "../../components/report-range.ts";

/** The filters the audit page offers; empty strings are no filter. */
interface AuditFilters {
  actor: string;
  action: string;
  teamId: string;
  from: string;
  to: string;
}

const NO_FILTERS: AuditFilters = { actor: "", action: "", teamId: "", from: "", to: "" };

/** The API query of the filters (without paging). */
function filterQuery(f: AuditFilters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.actor.trim()) q.set("actor", f.actor.trim());
  if (f.action.trim()) q.set("action", f.action.trim());
  if (f.teamId) q.set("teamId", f.teamId);
  for (const [k, v] of Object.entries(toQuery({ from: f.from, to: f.to }))) q.set(k, v);
  return q;
}

/** The audit log, newest first, filtered and paged, exported, and a check of its hash chain. */
export function AuditPanel() {
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const teams = useQuery({
    queryKey: ["teams"],
    queryFn: () => api<ItemList<Team>>("/api/v1/teams?limit=200"),
  });
  const audit = useInfiniteQuery({
    queryKey: ["audit", filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => {
      const q = filterQuery(filters);
      q.set("limit", "100");
      if (pageParam) q.set("cursor", pageParam);
      return api<AuditPage>(`/api/v1/audit?${q.toString()}`);
    },
    getNextPageParam: (last) => last.nextCursor,
  });
  const verify = useMutation({ mutationFn: () => api<AuditVerification>("/api/v1/audit/verify") });
  const entries = audit.data?.pages.flatMap((p) => p.items) ?? [];
  const exportUrl = (format: "csv" | "json") => {
    const q = filterQuery(filters);
    q.set("format", format);
    return `/api/v1/audit/export?${q.toString()}`;
  };
  const field = (name: keyof AuditFilters) => ({
    value: draft[name],
    onChange: (e: { target: { value: string } }) => {
      setDraft({ ...draft, [name]: e.target.value });
    },
  });
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
      <form
        className="row filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        <label>
          Actor <input type="search" placeholder="e-mail or id" {...field("actor")} />
        </label>
        <label>
          Action <input type="search" placeholder="guide.* or team.created" {...field("action")} />
        </label>
        <label>
          Team{" "}
          <select {...field("teamId")}>
            <option value="">any</option>
            {teams.data?.items.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          From <input type="date" {...field("from")} />
        </label>
        <label>
          To <input type="date" {...field("to")} />
        </label>
        <button type="submit">Apply</button>
        <button
          type="button"
          onClick={() => {
            setDraft(NO_FILTERS);
            setFilters(NO_FILTERS);
          }}
        >
          Clear
        </button>
        <a className="button" href={exportUrl("csv")} download>
          Export CSV
        </a>
        <a className="button" href={exportUrl("json")} download>
          Export JSON
        </a>
      </form>
      {entries.length === 0 && !audit.isPending && <p className="muted">No entry matches.</p>}
      {entries.length > 0 && (
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
            {entries.map((e) => (
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
      )}
      {audit.hasNextPage && (
        <button
          type="button"
          disabled={audit.isFetchingNextPage}
          onClick={() => {
            void audit.fetchNextPage();
          }}
        >
          {audit.isFetchingNextPage ? "Loading…" : "Load older entries"}
        </button>
      )}
    </Panel>
  );
}
