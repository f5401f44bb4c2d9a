import type { DetectorSpec } from "@parley/contracts";
import type { ReactNode } from "react";
import { describedBy, FieldError, invalidProps } from "./field-error.tsx";
import { newDetector, type DetectorDraft, type FieldErrors } from "./rule-draft.ts";
import { DETECTOR_LABELS, PII_KINDS, PII_LABELS } from "./rule-labels.ts";

const MAX_DETECTORS = 10;

const FLAGS = [
  ["i", "Ignore case"],
  ["m", "^ and $ at every line"],
  ["s", "Dot matches line breaks"],
] as const;

const HINTS: Record<DetectorSpec["type"], string> = {
  secrets: "Finds API keys, access tokens, private keys and passwords, with secretlint's recommended rules.",
  pii: "Finds personal data; card numbers and IBANs only when their checksum is right.",
  regex: "Finds what a regular expression matches (RE2 syntax: no look-arounds or back-references).",
  keywords: "Finds these words or phrases, ignoring case, as whole words.",
};

function toggled<T>(list: readonly T[], item: T, on: boolean): T[] {
  return on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);
}

/** One detector: its type, and that type's settings. */
function DetectorFields({
  detector,
  index,
  errors,
  onChange,
  onRemove,
}: {
  detector: DetectorDraft;
  index: number;
  errors: FieldErrors;
  onChange: (patch: Partial<DetectorDraft>) => void;
  onRemove: () => void;
}) {
  const at = `condition.detectors.${index}`;
  const n = index + 1;
  return (
    <fieldset className="detector" {...describedBy(errors, at)}>
      <legend>Detector {n}</legend>
      <div className="row detector-head">
        <label className="grow">
          Looks for
          <select
            value={detector.type}
            onChange={(e) => {
              const type = e.target.value as DetectorSpec["type"];
              onChange({
                type,
                ...(type === "pii" && detector.kinds.length === 0 ? { kinds: ["email"] } : {}),
              });
            }}
          >
            {(Object.keys(DETECTOR_LABELS) as DetectorSpec["type"][]).map((t) => (
              <option key={t} value={t}>
                {DETECTOR_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="ghost small danger" onClick={onRemove}>
          Remove detector {n}
        </button>
      </div>
      <p className="muted small-text">{HINTS[detector.type]}</p>
      {detector.type === "pii" && (
        <fieldset className="checks" {...describedBy(errors, `${at}.kinds`)}>
          <legend>Kinds of personal data</legend>
          {PII_KINDS.map((kind) => (
            <label key={kind} className="check">
              <input
                type="checkbox"
                checked={detector.kinds.includes(kind)}
                onChange={(e) => {
                  onChange({ kinds: toggled(detector.kinds, kind, e.target.checked) });
                }}
              />
              {PII_LABELS[kind]}
            </label>
          ))}
          <FieldError errors={errors} at={`${at}.kinds`} />
        </fieldset>
      )}
      {detector.type === "regex" && (
        <>
          <label>
            Pattern
            <input
              className="code-input"
              maxLength={1000}
              spellCheck={false}
              placeholder="ticket-\d{4,}"
              value={detector.pattern}
              onChange={(e) => {
                onChange({ pattern: e.target.value });
              }}
              {...invalidProps(errors, `${at}.pattern`)}
            />
          </label>
          <FieldError errors={errors} at={`${at}.pattern`} />
          <fieldset className="checks" {...describedBy(errors, `${at}.flags`)}>
            <legend>Flags</legend>
            {FLAGS.map(([flag, label]) => (
              <label key={flag} className="check">
                <input
                  type="checkbox"
                  checked={detector.flags.includes(flag)}
                  onChange={(e) => {
                    const on = (f: string) => (f === flag ? e.target.checked : detector.flags.includes(f));
                    onChange({ flags: ["i", "m", "s"].filter(on).join("") });
                  }}
                />
                {label} <code>{flag}</code>
              </label>
            ))}
            <FieldError errors={errors} at={`${at}.flags`} />
          </fieldset>
        </>
      )}
      {detector.type === "keywords" && (
        <>
          <label>
            Keywords, one per line
            <textarea
              rows={4}
              value={detector.words}
              onChange={(e) => {
                onChange({ words: e.target.value });
              }}
              {...invalidProps(errors, `${at}.words`)}
            />
          </label>
          <FieldError errors={errors} at={`${at}.words`} />
        </>
      )}
      <FieldError errors={errors} at={at} />
    </fieldset>
  );
}

/**
 * The rule's condition: its detectors (any of them matching is a match), added and removed, and
 * `children`, the other conditions.
 */
export function DetectorFieldset({
  detectors,
  errors,
  onChange,
  children,
}: {
  detectors: DetectorDraft[];
  errors: FieldErrors;
  onChange: (detectors: DetectorDraft[]) => void;
  children?: ReactNode;
}) {
  const described = [
    describedBy(errors, "condition")["aria-describedby"],
    describedBy(errors, "condition.detectors")["aria-describedby"],
  ]
    .filter(Boolean)
    .join(" ");
  return (
    <fieldset className="rule-group" {...(described ? { "aria-describedby": described } : {})}>
      <legend>Condition</legend>
      <p className="muted small-text">
        The rule matches when every condition set here holds (at least one): any of its detectors finds
        something, the model is not allowed, a limit is passed. Detectors are optional.
      </p>
      <FieldError errors={errors} at="condition" />
      {detectors.length === 0 && <p className="muted small-text">No detectors.</p>}
      {detectors.map((detector, i) => (
        <DetectorFields
          key={detector.key}
          detector={detector}
          index={i}
          errors={errors}
          onChange={(patch) => {
            onChange(detectors.map((d) => (d.key === detector.key ? { ...d, ...patch } : d)));
          }}
          onRemove={() => {
            onChange(detectors.filter((d) => d.key !== detector.key));
          }}
        />
      ))}
      <FieldError errors={errors} at="condition.detectors" />
      <div>
        <button
          type="button"
          className="small"
          disabled={detectors.length >= MAX_DETECTORS}
          onClick={() => {
            onChange([...detectors, newDetector("pii")]);
          }}
        >
          Add a detector
        </button>
      </div>
      {children}
    </fieldset>
  );
}
