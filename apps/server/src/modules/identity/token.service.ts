import { createHmac } from "node:crypto";
import { SignJWT, errors as joseErrors, jwtVerify } from "jose";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { CsrfTokens } from "./csrf-token.ts";

/** Claims of a Parley access token. */
export interface AccessClaims {
  /** The user id. */
  sub: string;
  /** The refresh-token family (the sign-in session) the token belongs to. */
  sid: string;
}

export const ACCESS_TOKEN_TTL_MS = 15 * 60 * 1000;
const ISSUER = "parley";
const AUDIENCE = "parley-api";

/**
 * Short-lived access tokens: JWT, HS256 with a key derived from the installation's secret.
 * Only HS256 is accepted on verification, so `alg: none` and algorithm confusion fail.
 */
export class TokenService {
  readonly #key: Uint8Array;
  readonly #clock: Clock;
  /** The CSRF tokens of cookie sessions (see `CsrfTokens`). */
  readonly csrf: CsrfTokens;

  /** `csrfKey` defaults to a subkey of `key` (HMAC with a fixed label). */
  constructor(deps: { key: Uint8Array; clock: Clock; csrfKey?: Uint8Array }) {
    this.#key = deps.key;
    this.#clock = deps.clock;
    this.csrf = new CsrfTokens(
      deps.csrfKey ?? createHmac("sha256", deps.key).update("parley/csrf-key").digest(),
    );
  }

  /** Signs an access token valid for 15 minutes. */
  async issue(claims: AccessClaims): Promise<{ token: string; expiresAt: number }> {
    const now = this.#clock.now();
    const expiresAt = now + ACCESS_TOKEN_TTL_MS;
    const token = await new SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(this.#key);
    return { token, expiresAt };
  }

  /**
   * Verifies signature, algorithm, issuer, audience and expiry.
   * @throws AppError `auth.invalid_token` for anything but a valid, current token.
   */
  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ["HS256"],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.#clock.now()),
      });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string") {
        throw new AppError("auth.invalid_token", "Access token lacks its subject or session");
      }
      return { sub: payload.sub, sid: payload.sid };
    } catch (error) {
      if (error instanceof AppError) throw error;
      const expired = error instanceof joseErrors.JWTExpired;
      throw new AppError(
        "auth.invalid_token",
        expired ? "Access token expired; refresh it" : "Access token is invalid",
        {
          cause: error,
          details: { reason: expired ? "expired" : "invalid" },
        },
      );
    }
  }
}
