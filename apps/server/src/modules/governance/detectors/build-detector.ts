import type { DetectorSpec } from "@parley/contracts";
import { keywordsDetector } from "./keywords.detector.ts";
import { piiDetector } from "./pii.detector.ts";
import { regexDetector } from "./regex.detector.ts";
import { secretsDetector } from "./secrets.detector.ts";
import type { Detector } from "./types.ts";

/**
 * Builds the detector a validated spec describes (parse it with `DetectorSpec` at the edge first).
 *
 * @throws InvalidDetectorError when a regex pattern is not valid or not safe to run
 * @example
 * const detector = buildDetector({ type: "pii", kinds: ["email", "card"] });
 * const matches = await detector.detect(prompt);
 */
export function buildDetector(spec: DetectorSpec): Detector {
  switch (spec.type) {
    case "secrets":
      return secretsDetector();
    case "pii":
      return piiDetector(spec.kinds);
    case "regex":
      return regexDetector(spec.pattern, spec.flags);
    case "keywords":
      return keywordsDetector(spec.words);
  }
}
