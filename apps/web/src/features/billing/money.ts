import { MAX_AMOUNT_MICROS, MICROS_PER_UNIT } from "@parley/contracts";

/** An amount typed by a person, read: micro-units, or what is wrong with it. */
export type ParsedAmount = { ok: true; micros: number } | { ok: false; error: string };

/**
 * Reads an amount in currency units ("12.50", "$3", "-1.25" when `signed`) as integer
 * micro-units, without floating-point arithmetic: at most 6 decimals, never 0, within the cap.
 * @example parseAmount("12.5") // { ok: true, micros: 12_500_000 }
 */
export function parseAmount(text: string, { signed = false }: { signed?: boolean } = {}): ParsedAmount {
  const cleaned = text.trim().replace(/^\$/, "").replaceAll(",", "").replaceAll(" ", "");
  const match = /^(-)?(\d*)(?:\.(\d*))?$/.exec(cleaned);
  if (!cleaned || !match || (!match[2] && !match[3]))
    return { ok: false, error: "Enter an amount in dollars, such as 12.50." };
  const [, minus, whole = "", fraction = ""] = match;
  if (minus && !signed) return { ok: false, error: "Enter a positive amount." };
  if (fraction.length > 6) return { ok: false, error: "Use at most 6 decimals (a millionth of a dollar)." };
  if (whole.replace(/^0+/, "").length > 7)
    return { ok: false, error: `The most at once is ${formatMicros(MAX_AMOUNT_MICROS)}.` };
  const micros = Number(whole || "0") * MICROS_PER_UNIT + Number(fraction.padEnd(6, "0"));
  if (micros === 0) return { ok: false, error: "The amount cannot be 0." };
  if (micros > MAX_AMOUNT_MICROS)
    return { ok: false, error: `The most at once is ${formatMicros(MAX_AMOUNT_MICROS)}.` };
  return { ok: true, micros: minus ? -micros : micros };
}

/**
 * Micro-units as dollars, with the decimals that matter (at least 2, at most 6).
 * @example formatMicros(12_500_000) // "$12.50"; formatMicros(-1_234) // "−$0.001234"
 */
export function formatMicros(micros: number): string {
  const sign = micros < 0 ? "−" : "";
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_UNIT);
  const fraction = String(abs % MICROS_PER_UNIT)
    .padStart(6, "0")
    .replace(/0{1,4}$/, (zeros) => zeros.slice(0, Math.max(0, zeros.length - 4)));
  return `${sign}$${whole.toLocaleString("en-US")}.${fraction.length < 2 ? fraction.padEnd(2, "0") : fraction}`;
}

/** Micro-units as the text an amount field starts with ("12.5"). */
export function microsToInput(micros: number): string {
  return (
    formatMicros(micros)
      .replace(/^−?\$/, "")
      .replaceAll(",", "")
      .replace(/\.?0+$/, "") || "0"
  );
}
