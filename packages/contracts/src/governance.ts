import { z } from "zod";

/** The PII kinds the `pii` detector can look for. */
export const PiiKind = z.enum(["email", "phone", "card", "iban", "ip"]);
export type PiiKind = z.infer<typeof PiiKind>;

/** The longest user-given pattern a `regex` detector accepts, in characters. */
export const MAX_DETECTOR_PATTERN_CHARS = 1_000;
/** The most words a `keywords` detector accepts. */
export const MAX_DETECTOR_KEYWORDS = 1_000;

/**
 * What a governance rule's condition is built from: one detector, as stored in a rule.
 *
 * @example
 * DetectorSpec.parse({ type: "pii", kinds: ["email", "card"] });
 */
export const DetectorSpec = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("secrets") }),
    z.object({ type: z.literal("pii"), kinds: z.array(PiiKind).min(1) }),
    z.object({
      type: z.literal("regex"),
      pattern: z.string().min(1).max(MAX_DETECTOR_PATTERN_CHARS),
      /** JavaScript flags; only `i`, `m` and `s` change a detector (it always scans globally). */
      flags: z
        .string()
        .regex(/^[ims]*$/, "only the flags i, m and s are allowed")
        .optional(),
    }),
    z.object({
      type: z.literal("keywords"),
      words: z.array(z.string().trim().min(1).max(200)).min(1).max(MAX_DETECTOR_KEYWORDS),
    }),
  ])
  .meta({ id: "DetectorSpec" });
export type DetectorSpec = z.infer<typeof DetectorSpec>;
