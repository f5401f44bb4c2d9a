import type { DryRunRequest, DryRunResult } from "@parley/contracts";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { hitLabel, segmentsOf } from "./match-segments.ts";
import { ACTION_LABELS, TIER_LABELS } from "./rule-labels.ts";
import { rulesApi } from "./rules-api.ts";

/** The longest sample the dry-run takes (`MAX_DRY_RUN_TEXT_CHARS`). */
const MAX_SAMPLE = 100_000;

/** The sample with every match marked; each mark says what matched it, for screen readers too. */
function HighlightedSample({ text, result }: { text: string; result: DryRunResult }) {
  return (
    <p className="passage dry-run-sample">
      {segmentsOf(text, result.rules).map((segment) =>
        segment.hits.length === 0 ? (
          segment.text
        ) : (
          <mark key={segment.start} title={hitLabel(segment.hits)}>
            {segment.text}
            <span className="visually-hidden"> [{hitLabel(segment.hits)}]</span>
          </mark>
        ),
      )}
    </p>
  );
}

/** Per rule: what it would do, and where its detectors matched. */
function RuleOutcomes({ result }: { result: DryRunResult }) {
  return (
    <ul className="search-hits dry-run-rules">
      {result.rules.map((rule) => (
        <li key={rule.id} className="search-hit">
          <div className="hit-head">
            <strong>
              {rule.name} <span className="muted small-text">v{rule.version}</span>
            </strong>
            <span className="small-text">
              {rule.matches.length === 0 ? (
                <span className="muted">No match: does nothing</span>
              ) : (
                <>
                  Would{" "}
                  <span className={`action-badge action-${rule.action}`}>{ACTION_LABELS[rule.action]}</span>{" "}
                  <span className="muted">· {TIER_LABELS[rule.tier].toLowerCase()}</span>
                </>
              )}
            </span>
          </div>
          {rule.matches.length > 0 && (
            <ul className="match-list small-text">
              {rule.matches.map((m, i) => (
                <li key={i}>
                  <span className="where-badge">{m.kind}</span> characters {m.start}–{m.end}{" "}
                  <span className="muted">({m.detector})</span>
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Tries the rules on a sample text: what each would do, the matches marked, the redacted text. */
export function DryRunPanel() {
  const me = useMe().data;
  const [text, setText] = useState("");
  const [teamId, setTeamId] = useState("");
  const run = useMutation({
    mutationFn: (body: DryRunRequest) => rulesApi.dryRun(body),
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (text.trim()) run.mutate({ text, ...(teamId ? { teamId } : {}) });
  };
  const asked = run.variables;
  const result = run.data;
  const acting = result?.rules.filter((r) => r.matches.length > 0).length ?? 0;
  return (
    <section className="panel dry-run" aria-labelledby="dry-run-title">
      <h2 id="dry-run-title">Try a sample text</h2>
      <p className="muted small-text">
        What the enabled rules (organisation-wide ones, and your teams’ or one team’s) would do to a message,
        without sending anything to a model. Only where and what matched comes back, never the matched text.
      </p>
      <form className="stack-form" onSubmit={submit}>
        <label>
          Sample text
          <textarea
            rows={4}
            required
            maxLength={MAX_SAMPLE}
            placeholder="Paste a prompt, with an email address or a key in it, say"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
            }}
          />
        </label>
        <div className="row wrap">
          <label>
            Rules of
            <select
              value={teamId}
              onChange={(e) => {
                setTeamId(e.target.value);
              }}
            >
              <option value="">All your teams</option>
              {me?.teams.map((t) => (
                <option key={t.id} value={t.id}>
                  Team {t.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={run.isPending || !text.trim()}>
            {run.isPending ? "Trying…" : "Try the rules"}
          </button>
        </div>
      </form>
      <div aria-live="polite" className="dry-run-results">
        {run.isError && <Alert>{errorText(run.error)}</Alert>}
        {result && asked && (
          <>
            <p className="muted small-text">
              {result.rules.length === 0
                ? "No enabled rule applies here."
                : `${result.rules.length} ${result.rules.length === 1 ? "rule" : "rules"} tried; ${acting} would act.`}
            </p>
            {result.rules.length > 0 && (
              <>
                <h3>The sample, with what matched</h3>
                <HighlightedSample text={asked.text} result={result} />
                <RuleOutcomes result={result} />
                <h3>Redacted text</h3>
                <p className="passage dry-run-redacted">{result.redactedText}</p>
                {result.redactedText === asked.text && (
                  <p className="muted small-text">No redacting rule matched: the text would go unchanged.</p>
                )}
              </>
            )}
          </>
        )}
      </div>
    </section>
  );
}
