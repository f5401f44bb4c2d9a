/** The answer to one first-run setup request. */
export interface SetupOutcome {
  status: number;
  code?: string;
}

/**
 * Sends 20 first-run setups at once, spread over `urls`, as `racer<i>@parley.test`.
 * @example
 * const outcomes = await raceSetups([parley.url]);
 */
export async function raceSetups(urls: string[]): Promise<SetupOutcome[]> {
  return Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const res = await fetch(`${urls[i % urls.length] ?? ""}/api/v1/setup/admin`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: `racer${i}@parley.test`, password: "the very first password" }),
      });
      const body = (await res.json()) as { error?: { code: string } };
      return body.error ? { status: res.status, code: body.error.code } : { status: res.status };
    }),
  );
}
