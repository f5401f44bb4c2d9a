import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { SignJWT, jwtVerify } from "jose";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";

/** How long a visitor token lasts; the widget asks for a fresh one with it before then. */
export const VISITOR_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const ISSUER = "parley";
const AUDIENCE = "parley-widget-visitor";

/** What a visitor token says: which widget (at which key version) and which visitor. */
export interface VisitorClaims {
  widgetId: string;
  keyVersion: number;
  /** `anon:<id>` for an anonymous visitor, `user:<host user id>` for a signed one. */
  visitorId: string;
  /**
   * A signed visitor's: the version of the widget secret their signature was checked with, so
   * that rotating the secret (it leaked) retires the tokens it let anyone mint.
   */
  secretVersion?: number;
}

/**
 * The widgets' cryptography, all derived from the installation's `widget` key: visitor tokens
 * (JWT, HS256 only), widgets' secrets (derived per widget and secret version, so never stored and
 * the same on every pod) and the host site's signatures over its user ids (HMAC-SHA256, hex,
 * compared in constant time as Chatwoot's identity validation does).
 */
export class WidgetCrypto {
  readonly #tokenKey: Uint8Array;
  readonly #secretKey: Buffer;
  readonly #clock: Clock;

  constructor(key: Buffer, clock: Clock) {
    this.#tokenKey = createHmac("sha256", key).update("parley/widget/visitor-token").digest();
    this.#secretKey = createHmac("sha256", key).update("parley/widget/secret").digest();
    this.#clock = clock;
  }

  /** A new public key for an embed snippet. @example newPublicKey() // "wk_3kP…" */
  static newPublicKey(): string {
    return `wk_${randomBytes(18).toString("base64url")}`;
  }

  /** A new anonymous visitor's id. */
  static newAnonymousVisitor(): string {
    return `anon:${randomBytes(16).toString("base64url")}`;
  }

  /**
   * The secret of widget `widgetId` at `version` (hex): what the host site signs user ids with.
   * @example
   * const secret = crypto.secretOf(widget.id, widget.secret_version);
   */
  secretOf(widgetId: string, version: number): string {
    return createHmac("sha256", this.#secretKey).update(`${widgetId}/${version}`).digest("hex");
  }

  /**
   * Whether `signature` is hex HMAC-SHA256 of `userId` under `secret` (constant-time).
   * @example
   * crypto.signatureMatches(secret, "42", createHmac("sha256", secret).update("42").digest("hex")) // true
   */
  signatureMatches(secret: string, userId: string, signature: string): boolean {
    const expected = createHmac("sha256", secret).update(userId).digest();
    const given = Buffer.from(signature, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Signs a visitor token valid for {@link VISITOR_TOKEN_TTL_MS}. */
  async issue(claims: VisitorClaims): Promise<{ token: string; expiresAt: number }> {
    const now = this.#clock.now();
    const expiresAt = now + VISITOR_TOKEN_TTL_MS;
    const token = await new SignJWT({
      wid: claims.widgetId,
      kv: claims.keyVersion,
      ...(claims.secretVersion !== undefined ? { sv: claims.secretVersion } : {}),
    })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(claims.visitorId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(this.#tokenKey);
    return { token, expiresAt };
  }

  /**
   * Verifies a visitor token's signature, algorithm, issuer, audience and expiry.
   * @throws AppError `widget.visitor_token_invalid`.
   */
  async verify(token: string | undefined): Promise<VisitorClaims> {
    if (!token) throw new AppError("widget.visitor_token_invalid", "Start a visitor session first");
    try {
      const { payload } = await jwtVerify(token, this.#tokenKey, {
        algorithms: ["HS256"],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.#clock.now()),
      });
      const { sub, wid, kv, sv } = payload;
      if (
        typeof sub !== "string" ||
        typeof wid !== "string" ||
        typeof kv !== "number" ||
        (sv !== undefined && typeof sv !== "number")
      )
        throw new Error("claims missing");
      return {
        widgetId: wid,
        keyVersion: kv,
        visitorId: sub,
        ...(sv !== undefined ? { secretVersion: sv } : {}),
      };
    } catch (error) {
      throw new AppError("widget.visitor_token_invalid", "The visitor token is invalid or expired", {
        cause: error,
      });
    }
  }
}
