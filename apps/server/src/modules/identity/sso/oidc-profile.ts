import { z } from "zod";
import type { OidcProviderConfig } from "../../../config/config.schema.ts";
import { groupsOf } from "./group-mapping.ts";
import { SsoFailure } from "./oidc.errors.ts";
import type { OidcProfile } from "./oidc-provisioning.ts";

/** Who signed in, with their groups at the provider. */
export type SignedInProfile = OidcProfile & { groups: string[] };

/**
 * Who signed in: ID token claims first, userinfo for what the ID token lacks.
 * @throws AppError `auth.sso_failed` without a usable email, or with one marked unverified.
 */
export function profileOf(
  provider: OidcProviderConfig,
  claims: Record<string, unknown>,
  userinfo: Record<string, unknown>,
): SignedInProfile {
  const source = typeof claims.email === "string" ? claims : userinfo;
  const email = typeof source.email === "string" ? source.email.trim().toLowerCase() : "";
  if (!z.email().safeParse(email).success) {
    throw new SsoFailure(
      "email_missing",
      `${provider.name} did not share an email address; allow the email scope`,
    );
  }
  // Absent means the provider does not say; an explicit false must not claim someone's account.
  if (source.email_verified === false || source.email_verified === "false") {
    throw new SsoFailure("email_unverified", `${provider.name} has not verified ${email}`);
  }
  const text = (key: string) =>
    [claims[key], userinfo[key]].find((v): v is string => typeof v === "string" && v.trim() !== "");
  const name = (text("name") ?? text("preferred_username") ?? email.split("@")[0] ?? email)
    .trim()
    .slice(0, 200);
  const groups = groupsOf(claims, provider.groupsClaim) ?? groupsOf(userinfo, provider.groupsClaim) ?? [];
  return { issuer: String(claims.iss), subject: String(claims.sub), email, name, groups };
}
