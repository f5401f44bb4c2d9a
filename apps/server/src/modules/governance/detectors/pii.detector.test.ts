import { describe, expect, it } from "vitest";
import { piiDetector } from "./pii.detector.ts";
import { ibanValid, luhnValid } from "./checksums.ts";

/** A deterministic generator, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/** A card number of `length` digits whose Luhn check digit is right. */
function card(random: () => number, length: number): string {
  const body = ["4", ...Array.from({ length: length - 2 }, () => String(Math.floor(random() * 10)))].join("");
  for (let d = 0; d < 10; d++) if (luhnValid(`${body}${d}`)) return `${body}${d}`;
  throw new Error("unreachable");
}

/** Groups of four as printed; a short last group joins the one before (4-4-4-6, 4-4-5). */
function group(digits: string, sep: string): string {
  const groups = digits.match(/.{1,4}/g) ?? [digits];
  const last = groups.at(-1) ?? "";
  if (groups.length > 1 && last.length < 3) groups.splice(-2, 2, `${groups.at(-2) ?? ""}${last}`);
  return groups.join(sep);
}

async function spans(kind: Parameters<typeof piiDetector>[0][number], text: string): Promise<string[]> {
  return (await piiDetector([kind]).detect(text)).map((m) => text.slice(m.start, m.end));
}

describe("pii detector", () => {
  const random = rng(7);

  it("finds generated card numbers that pass Luhn, grouped or not", async () => {
    for (let i = 0; i < 200; i++) {
      const number = card(random, 13 + (i % 7));
      const shown = group(number, ["", " ", "-"][i % 3] ?? "");
      expect(await spans("card", `pay with ${shown}, thanks`)).toEqual([shown]);
    }
  });

  it("finds a card between other numbers, such as a quantity and an expiry date", async () => {
    for (let i = 0; i < 100; i++) {
      const shown = group(card(random, 16), i % 2 ? " " : "-");
      expect(await spans("card", `qty 2 ${shown} 05/27, cvc 123`)).toEqual([shown]);
      expect(await spans("card", `ref 12 ${shown} 34`)).toEqual([shown]);
    }
  });

  it("ignores 16-digit numbers whose Luhn check fails", async () => {
    for (let i = 0; i < 200; i++) {
      const good = card(random, 16);
      const last = Number(good.at(-1));
      const bad = good.slice(0, -1) + String((last + 1 + (i % 9)) % 10);
      expect(luhnValid(bad)).toBe(false);
      expect(await spans("card", `pay with ${group(bad, " ")}.`)).toEqual([]);
    }
  });

  const ibans = [
    "DE89370400440532013000",
    "GB82WEST12345698765432",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "CH9300762011623852957",
    "ES9121000418450200051332",
    "BE68539007547034",
    "NO9386011117947",
  ];

  it("finds IBANs compact and in groups of four, ending before the next word", async () => {
    for (const iban of ibans) {
      expect(await spans("iban", `IBAN: ${iban}.`)).toEqual([iban]);
      const grouped = group(iban, " ");
      expect(await spans("iban", `to ${grouped} EUR`)).toEqual([grouped]);
    }
  });

  it("rejects every IBAN with one digit changed, and wrong lengths", async () => {
    for (const iban of ibans) {
      for (let i = 2; i < iban.length; i++) {
        const ch = iban[i] ?? "";
        if (!/\d/.test(ch)) continue;
        const flipped = iban.slice(0, i) + String((Number(ch) + 1) % 10) + iban.slice(i + 1);
        expect(ibanValid(flipped)).toBe(false);
        expect(await spans("iban", `IBAN ${flipped}`)).toEqual([]);
      }
    }
    expect(ibanValid("DE8937040044053201300")).toBe(false);
  });

  it("finds e-mail addresses inside punctuation and in other scripts", async () => {
    const addresses = [
      "ann@example.org",
      "first.last+tag@mail.example.co.uk",
      "jörg@bücher.de",
      "a_b-c@x-y.io",
    ];
    for (const a of addresses) {
      for (const [open, close] of [
        ["(", ")."],
        ["<", ">"],
        ['"', '",'],
        ["mailto:", "?"],
        ["", "!"],
      ]) {
        expect(await spans("email", `write ${open}${a}${close} now`)).toEqual([a]);
      }
    }
    expect(await spans("email", "not@an address, @handle, a@b, x@y.z1")).toEqual([]);
  });

  it("finds phone numbers in international and national forms", async () => {
    const phones = [
      "+49 30 1234567",
      "+1 (555) 123-4567",
      "+44-20-7946-0958",
      "+33 6 12 34 56 78",
      "(555) 123-4567",
      "555-123-4567",
      "030 1234567",
      "06 12 34 56 78",
      "0171/2345678",
    ];
    for (const p of phones) expect(await spans("phone", `call ${p} today`)).toEqual([p]);
  });

  it("does not take years, dates, ids or short numbers for phones", async () => {
    const text = "In 2024 (on 2024-01-02, 02.01.2024) order 1234567890 shipped; +12 and id 20240102123 too.";
    expect(await spans("phone", text)).toEqual([]);
  });

  it("finds IPv4 only with octets up to 255", async () => {
    expect(await spans("ip", "from 192.168.1.20, then 10.0.0.1.")).toEqual(["192.168.1.20", "10.0.0.1"]);
    for (let i = 0; i < 50; i++) {
      const octets = [1, 2, 3, 4].map(() => Math.floor(random() * 256));
      octets[i % 4] = 256 + Math.floor(random() * 700);
      expect(await spans("ip", `host ${octets.join(".")} down`)).toEqual([]);
    }
  });

  it("finds IPv6 addresses that node:net accepts, and not C++ names or times", async () => {
    for (const ip of [
      "2001:db8::1",
      "fe80::1ff:fe23:4567:890a",
      "::1",
      "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
      "::ffff:192.0.2.128",
    ]) {
      expect(await spans("ip", `addr ${ip}, ok`)).toEqual([ip]);
    }
    expect(await spans("ip", "std::vector at 12:30:45 and dead::beef and 2001:db8:::1")).toEqual([]);
  });

  it("reports matches of several kinds in text order", async () => {
    const text = "ann@example.org from 10.1.2.3 paid 4111 1111 1111 1111";
    const found = await piiDetector(["card", "ip", "email"]).detect(text);
    expect(found.map((m) => m.kind)).toEqual(["email", "ip", "card"]);
  });

  it("holds a stream's tail from where a match could start, not from the space before it", () => {
    const all = piiDetector(["email", "phone", "card", "iban", "ip"]);
    for (const tail of ["+44 20 79", "4539 1488", "DE89 3704 00", "203.0.11", "ann.lee@exa"]) {
      const text = `Here it is: ${tail}`;
      expect(all.holdFrom(text), tail).toBe("Here it is: ".length);
    }
    expect(all.holdFrom("Here it is:   ")).toBe("Here it is:   ".length);
  });
});
