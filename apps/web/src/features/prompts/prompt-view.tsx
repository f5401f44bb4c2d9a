import type { Prompt } from "@parley/contracts";
import { PromptEditor } from "./prompt-editor.tsx";
import { PromptHistory } from "./prompt-history.tsx";
import { PromptLabels } from "./prompt-labels.tsx";
import { PromptStatsTable } from "./prompt-stats.tsx";
import { RenderPanel } from "./render-panel.tsx";

/** One prompt: its current version to edit, labels, history with diffs, and stats per version. */
export function PromptView({ prompt }: { prompt: Prompt }) {
  return (
    <section className="panel">
      <h1>{prompt.name}</h1>
      <p className="muted">
        {prompt.kind === "persona" ? "Persona" : "Template"} · <code>{prompt.slug}</code> · version{" "}
        {prompt.currentVersion}
        {prompt.kind === "persona" && (
          <>
            {" "}
            · use it as the model <code>persona/{prompt.slug}</code>
          </>
        )}
      </p>
      <PromptEditor key={prompt.currentVersion} prompt={prompt} />
      {prompt.kind === "template" && <RenderPanel prompt={prompt} />}
      <PromptLabels key={`labels-${String(prompt.currentVersion)}`} prompt={prompt} />
      <PromptStatsTable prompt={prompt} />
      {/* A new version resets the comparison to the newest two. */}
      <PromptHistory key={`history-${String(prompt.currentVersion)}`} prompt={prompt} />
    </section>
  );
}
