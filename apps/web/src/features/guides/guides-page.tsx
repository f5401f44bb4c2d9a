import { useQuery } from "@tanstack/react-query";
import { Navigate, NavLink, Route, Routes, useParams } from "react-router";
import { getGuide, guideKeys } from "./guides-api.ts";
import { errorText } from "../../failures.ts";
import { mayWriteGuides } from "./guide-access.ts";
import { GuideEditor } from "./guide-editor.tsx";
import { GuideList } from "./guide-list.tsx";
import { GuideView } from "./guide-view.tsx";
import { EstimatesPage } from "./estimates-page.tsx";
import { TemplatesPage } from "./templates-page.tsx";
import { useLiveGuide } from "./use-live-guide.ts";
import { useGuideTeam, withTeam } from "./use-guide-team.ts";
import "./guides.css";

function NotFound({ error }: { error: unknown }) {
  return (
    <section className="panel">
      <h1>Guide not found</h1>
      <p className="muted">{errorText(error)}</p>
      <NavLink to="/guides">All guides</NavLink>
    </section>
  );
}

/** `/guides/:id`: the guide, live. */
function GuideRoute() {
  const id = useParams().id ?? "";
  const { guide, live, deleted } = useLiveGuide(id);
  if (deleted)
    return (
      <section className="panel">
        <h1>This guide was deleted</h1>
        <p className="muted">Someone deleted it while you had it open.</p>
        <NavLink to={withTeam("/guides", guide.data?.teamId ?? null)}>All guides</NavLink>
      </section>
    );
  if (guide.data) return <GuideView guide={guide.data} live={live} />;
  if (guide.isError) return <NotFound error={guide.error} />;
  return <p className="muted">Loading…</p>;
}

/** `/guides/:id/edit`: the editor, on the guide as it was when it opened. */
function EditRoute() {
  const id = useParams().id ?? "";
  const { me } = useGuideTeam();
  // A copy of its own, read when the editor opens: the editor keeps it, and later changes reach it
  // only through a save's 409.
  const guide = useQuery({
    queryKey: [...guideKeys.one(id), "editing"],
    queryFn: () => getGuide(id),
    gcTime: 0,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
  if (guide.data)
    return mayWriteGuides(me, guide.data.teamId) ? (
      <GuideEditor key={guide.data.id} guide={guide.data} teamId={guide.data.teamId} />
    ) : (
      // A reader has nothing to edit here: the guide itself.
      <Navigate to={`/guides/${guide.data.id}`} replace />
    );
  if (guide.isError) return <NotFound error={guide.error} />;
  return <p className="muted">Loading…</p>;
}

/** `/guides/new`: a new guide of the chosen team. */
function NewRoute() {
  const { me, teamId } = useGuideTeam();
  if (teamId === null) return <p className="muted">Guides belong to teams, and you are in none yet.</p>;
  if (!mayWriteGuides(me, teamId)) return <Navigate to={withTeam("/guides", teamId)} replace />;
  return <GuideEditor key={teamId} guide={null} teamId={teamId} />;
}

/** Guides: the team's list, a guide, its editor, templates and how good the estimates were. */
export function GuidesPage() {
  const { teamId } = useGuideTeam();
  return (
    <div className="admin">
      <nav aria-label="Guides area" className="admin-nav">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            P
          </span>
          Guides
        </div>
        <NavLink to="/">← Back to chat</NavLink>
        <NavLink to={withTeam("/guides", teamId)} end>
          Guides
        </NavLink>
        <NavLink to={withTeam("/guides/templates", teamId)}>Templates</NavLink>
        <NavLink to={withTeam("/guides/estimates", teamId)}>Estimates</NavLink>
      </nav>
      <main className="admin-main">
        <Routes>
          <Route index element={<GuideList />} />
          <Route path="new" element={<NewRoute />} />
          <Route path="templates" element={<TemplatesPage />} />
          <Route path="estimates" element={<EstimatesPage />} />
          <Route path=":id" element={<GuideRoute />} />
          <Route path=":id/edit" element={<EditRoute />} />
        </Routes>
      </main>
    </div>
  );
}
