import type { ErrorCode } from "@parley/contracts";

/** How one error code is answered: its HTTP status and who reads its message. */
export interface ErrorSpec {
  /** The HTTP status the edge answers with. */
  readonly status: number;
  /**
   * True: the thrown message is shown to the client. False: it is only logged (with the cause
   * and stack) and the client reads `message`, for codes whose text may carry internals.
   */
  readonly expose: boolean;
  /** What the client reads instead of the thrown message when `expose` is false. */
  readonly message?: string;
}

/** A part of the error table: the codes one module (or the kernel, or the edge) declares. */
export type ErrorTable<C extends ErrorCode = ErrorCode> = { readonly [K in C]: ErrorSpec };

/** The whole table: every `ErrorCode` with its spec, merged from all the parts. */
export type ErrorCatalog = ErrorTable;

/** The client's message for codes declared with `expose: false` and no message of their own. */
export const HIDDEN_MESSAGE = "Internal error; the request id identifies it in the server logs";

/**
 * Declares a module's error codes with their HTTP status and visibility. Only codes listed in
 * `ErrorCode` (packages/contracts) are accepted, so a typo does not compile.
 * @example
 * export const chatErrors = defineErrors({
 *   "conversation.not_found": { status: 404, expose: true },
 * });
 */
export function defineErrors<C extends ErrorCode>(table: { readonly [K in C]: ErrorSpec }): ErrorTable<C> {
  return table;
}

/** Any part of the error table (some codes). */
export type AnyErrorTable = Partial<Record<ErrorCode, ErrorSpec>>;
type AnyTable = AnyErrorTable;
type CodesOf<T extends readonly AnyTable[]> = { [I in keyof T]: keyof T[I] }[number];
type Duplicated<T extends readonly AnyTable[]> = T extends readonly [
  infer Head extends AnyTable,
  ...infer Rest extends readonly AnyTable[],
]
  ? (keyof Head & CodesOf<Rest>) | Duplicated<Rest>
  : never;

/**
 * What the parts must satisfy for `mergeErrors` to compile: no `ErrorCode` left undeclared and
 * none declared twice. A failure names the codes (`missing` or `duplicated`) in the error.
 */
export type Complete<T extends readonly AnyTable[]> = [Exclude<ErrorCode, CodesOf<T>>] extends [never]
  ? [Duplicated<T>] extends [never]
    ? unknown
    : { duplicated: Duplicated<T> }
  : { missing: Exclude<ErrorCode, CodesOf<T>> };

/**
 * Merges the parts of the error table into the catalog the HTTP edge answers from. The compiler
 * proves that every `ErrorCode` is declared exactly once; a duplicate also throws at run time.
 * @example
 * const errors = mergeErrors([kernelErrors, httpErrors, chatErrors, ...]);
 * errors["conversation.not_found"].status; // 404
 */
export function mergeErrors<const T extends readonly AnyTable[]>(tables: T & Complete<T>): ErrorCatalog {
  const merged: AnyTable = {};
  for (const table of tables as readonly AnyTable[]) {
    for (const [code, spec] of Object.entries(table) as [ErrorCode, ErrorSpec][]) {
      if (code in merged) throw new Error(`Error code ${code} is declared twice`);
      merged[code] = spec;
    }
  }
  return merged as ErrorCatalog;
}
