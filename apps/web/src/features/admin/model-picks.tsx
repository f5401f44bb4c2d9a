import type { ProviderTestResult } from "@parley/contracts";

/** The models of a comma-separated list, trimmed, empty ones left out. */
export function modelList(text: string): string[] {
  return text
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);
}

/** What a connection test said, as one line. */
export function TestOutcome({ result }: { result: ProviderTestResult }) {
  return (
    <span role="status" className={result.ok ? "ok" : "error"}>
      {result.ok
        ? `Answered in ${result.latencyMs} ms with ${result.models.length} model${result.models.length === 1 ? "" : "s"}.`
        : `No answer: ${result.error?.message ?? "unknown error"}`}
    </span>
  );
}

/**
 * The models a connection test listed, as boxes to tick: ticking adds a model to the
 * comma-separated list `models`, unticking takes it out (the first 100 are offered).
 */
export function ModelPicks({
  listed,
  models,
  onModels,
}: {
  listed: readonly string[];
  models: string;
  onModels: (models: string) => void;
}) {
  const picked = modelList(models);
  if (!listed.length) return null;
  return (
    <fieldset className="model-picks">
      <legend>Models to offer</legend>
      {listed.slice(0, 100).map((m) => (
        <label key={m} className="check">
          <input
            type="checkbox"
            checked={picked.includes(m)}
            onChange={(e) => {
              onModels((e.target.checked ? [...picked, m] : picked.filter((x) => x !== m)).join(", "));
            }}
          />
          <span>{m}</span>
        </label>
      ))}
    </fieldset>
  );
}
