/**
 * Tags as typed in one field, separated by commas: trimmed, empty ones dropped, repeats removed
 * (case-insensitively, the first spelling kept).
 * @example
 * parseTags("backend, billing,, Backend ") // ["backend", "billing"]
 */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const raw of text.split(",")) {
    const tag = raw.trim();
    if (!tag || seen.has(tag.toLowerCase())) continue;
    seen.add(tag.toLowerCase());
    tags.push(tag);
  }
  return tags;
}

/** What a new guide's editor starts with. */
export const NEW_GUIDE_MARKDOWN = `## Prepare

- [ ] First step

## Do

- [ ] Next step
`;

/**
 * The markdown without its leading `# Title` line when that line repeats the guide's title (the
 * page shows the title already), blanked rather than removed so that every checkbox keeps its line.
 * @example
 * withoutTitleHeading("# Ship\n- [ ] a", "Ship") // "\n- [ ] a"
 */
export function withoutTitleHeading(markdown: string, title: string): string {
  const lines = markdown.split("\n");
  const first = lines.findIndex((line) => line.trim() !== "");
  const heading = first < 0 ? null : /^#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(lines[first] ?? "");
  if (!heading || heading[1]?.trim() !== title.trim()) return markdown;
  lines[first] = "";
  return lines.join("\n");
}
