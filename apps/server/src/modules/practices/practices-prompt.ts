import type { LanguageModelV4Prompt } from "@ai-sdk/provider";
import { MAX_PRACTICES_CHARS_PER_CALL } from "@parley/contracts";

/** A practice as the prompt shows it. */
export interface PromptPractice {
  readonly title: string;
  readonly body: string;
}

const INTRO = "Follow these practices, agreed by the team, in every answer.";
/** Room kept for the note that says practices were cut (it is shorter). */
const NOTE_ROOM = 200;
/** A practice cut shorter than this is left out instead: a stub of a rule misleads more than none. */
const MIN_CUT_CHARS = 200;

/**
 * The system text for a call's practices: the team-wide ones, then the project's, each section
 * numbered from 1 in order. Never longer than `limit`: whole practices while they fit, then the
 * first that does not is cut (or left out when little room remains) and the rest are left out,
 * with a closing note that says how many and why, so the model and whoever reads the prompt know.
 * Empty when there are none.
 * @example
 * practicesMessage([{ title: "Tests", body: "Write a test first." }], [])
 * // "Follow these practices, agreed by the team, in every answer.\n\nTeam practices:\n\n1. Tests\nWrite a test first."
 */
export function practicesMessage(
  team: readonly PromptPractice[],
  project: readonly PromptPractice[],
  limit = MAX_PRACTICES_CHARS_PER_CALL,
): string {
  const blocks: { text: string; practice: boolean }[] = [];
  for (const [heading, items] of [
    ["Team practices:", team],
    ["Project practices:", project],
  ] as const) {
    if (!items.length) continue;
    blocks.push({ text: heading, practice: false });
    items.forEach((p, i) => blocks.push({ text: `${i + 1}. ${p.title}\n${p.body.trim()}`, practice: true }));
  }
  if (!blocks.length) return "";
  const whole = [INTRO, ...blocks.map((b) => b.text)].join("\n\n");
  if (whole.length <= limit) return whole;

  const budget = limit - NOTE_ROOM;
  let text = INTRO;
  let left = blocks.filter((b) => b.practice).length;
  let cut = false;
  for (const block of blocks) {
    const next = `${text}\n\n${block.text}`;
    if (next.length <= budget) {
      text = next;
      if (block.practice) left--;
      continue;
    }
    const room = budget - text.length - 3;
    if (block.practice && room >= MIN_CUT_CHARS) {
      text = `${text}\n\n${block.text.slice(0, room - 1)}…`;
      left--;
      cut = true;
    }
    break;
  }
  const note =
    `[Practices stop here: a call gets at most ${limit.toLocaleString("en")} characters of them` +
    `${cut ? "; the last one above is cut" : ""}${left ? `; ${left} more ${left === 1 ? "is" : "are"} left out` : ""}.]`;
  return `${text}\n\n${note}`;
}

/**
 * The prompt with `text` as a system message after its leading system messages (an assistant's
 * instructions stay first), so that providers that take system text only at the start still get it.
 */
export function withSystemText(prompt: LanguageModelV4Prompt, text: string): LanguageModelV4Prompt {
  const at = prompt.findIndex((m) => m.role !== "system");
  const split = at === -1 ? prompt.length : at;
  return [...prompt.slice(0, split), { role: "system", content: text }, ...prompt.slice(split)];
}
