import { restore } from "./redact.ts";

/**
 * Restores placeholders in a streamed answer chunk by chunk. A placeholder may arrive split
 * (`<EMA` then `IL_1>`), so the restorer holds back the end of what it has seen only while that
 * end could still become a known placeholder, and lets everything else through at once.
 *
 * @example
 * const r = new Restorer(redaction.restore);
 * r.push("Write to <EMA"); // "Write to "
 * r.push("IL_1> today");   // "ann@x.io today"
 * r.flush();               // ""
 */
export class Restorer {
  readonly #map: ReadonlyMap<string, string>;
  readonly #longest: number;
  #pending = "";

  constructor(map: ReadonlyMap<string, string>) {
    this.#map = map;
    this.#longest = Math.max(0, ...[...map.keys()].map((k) => k.length));
  }

  /** Takes the next chunk; returns the restored text that can be shown now. */
  push(chunk: string): string {
    const text = this.#pending === "" ? chunk : this.#pending + chunk;
    const hold = this.#heldFrom(text);
    if (hold === text.length) {
      this.#pending = "";
      return restore(text, this.#map);
    }
    this.#pending = text.slice(hold);
    return restore(text.slice(0, hold), this.#map);
  }

  /** Ends the stream: returns what was held back (an unfinished placeholder stays as it came). */
  flush(): string {
    const rest = restore(this.#pending, this.#map);
    this.#pending = "";
    return rest;
  }

  /** Where the tail that could still become a placeholder starts (the text's length if none). */
  #heldFrom(text: string): number {
    // Only a tail shorter than the longest placeholder can be an unfinished one.
    for (let i = Math.max(0, text.length - this.#longest + 1); i < text.length; i++) {
      if (text.charCodeAt(i) !== 60) continue; // "<"
      const tail = text.slice(i);
      for (const key of this.#map.keys()) if (key.startsWith(tail)) return i;
    }
    return text.length;
  }
}
