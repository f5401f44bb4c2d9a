import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { ApprovalCard } from "./approval-card.tsx";
import { oversightApi, oversightKeys } from "./oversight-api.ts";
import { useNow } from "./time-left.ts";

/** How often the pending queue asks for new requests, in milliseconds. */
const POLL_MS = 4_000;

type Tab = "pending" | "decided";

/** What the queue is for, while it is empty. */
function EmptyQueue({ tab }: { tab: Tab }) {
  return (
    <div className="knowledge-empty">
      <p>
        A rule whose action is <strong>Require approval</strong> holds a matching call before it reaches the
        model, until an operator or admin of its team approves or denies it here, or its time runs out (then
        it is denied). The person who asked waits in the chat meanwhile, and cannot decide their own call.
      </p>
      <p className="muted">
        {tab === "pending" ? "No call is waiting for a decision." : "No decided requests yet."}
      </p>
      <Link to="/governance/rules">See the rules</Link>
    </div>
  );
}

/** Approvals: the calls held by `require_approval` rules, pending (polled) or decided. */
export function ApprovalsPage() {
  const me = useMe().data;
  const now = useNow();
  const [tab, setTab] = useState<Tab>("pending");
  const [teamId, setTeamId] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const list = useInfiniteQuery({
    queryKey: oversightKeys.approvalList(tab, teamId),
    queryFn: ({ pageParam }) => oversightApi.approvals(tab === "pending" ? "pending" : "", teamId, pageParam),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: tab === "pending" ? POLL_MS : false,
  });
  const items = (list.data?.pages.flatMap((p) => p.items) ?? []).filter((a) =>
    tab === "pending" ? a.status === "pending" : a.status !== "pending",
  );
  return (
    <section className="panel governance-oversight" aria-labelledby="approvals-title">
      <h1 id="approvals-title">Approvals</h1>
      <div className="search-form">
        <div className="segmented" role="group" aria-label="Show">
          {(["pending", "decided"] as const).map((t) => (
            <button
              key={t}
              type="button"
              aria-pressed={tab === t}
              onClick={() => {
                setTab(t);
                setNotice(null);
              }}
            >
              {t === "pending" ? "Pending" : "Decided"}
            </button>
          ))}
        </div>
        <label>
          Team
          <select
            value={teamId}
            onChange={(e) => {
              setTeamId(e.target.value);
            }}
          >
            <option value="">All you see</option>
            {me?.teams.map((t) => (
              <option key={t.id} value={t.id}>
                Team {t.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {tab === "pending" && (
        <p className="muted small-text">
          New requests appear on their own; this list refreshes every few seconds.
        </p>
      )}
      <div role="status" className="approval-notice">
        {notice}
      </div>
      {list.isError && <Alert>{errorText(list.error)}</Alert>}
      {list.isPending ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <EmptyQueue tab={tab} />
      ) : (
        <div className="approval-list">
          {items.map((a) => (
            <ApprovalCard key={a.id} approval={a} me={me} now={now} onDecided={setNotice} />
          ))}
        </div>
      )}
      {list.hasNextPage && (
        <button
          type="button"
          className="ghost small"
          disabled={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
        >
          {list.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}
