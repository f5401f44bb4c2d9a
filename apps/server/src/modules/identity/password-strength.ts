import { AppError } from "../../kernel/app-error.ts";
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";

/**
 * The lowest zxcvbn score (0–4) a new password may have. 3 means "safely unguessable: moderate
 * protection from offline slow-hash attacks" (about 10^8 guesses and more): it refuses the
 * common-password list with its usual decorations (`Password123!`, `P@ssw0rd1234`, `Welcome2024!`)
 * and keyboard or repeated patterns, and accepts passphrases of a few ordinary words.
 */
export const MIN_PASSWORD_SCORE = 3;

let factory: ZxcvbnFactory | undefined;

/** zxcvbn with its language-independent dictionaries (common passwords, names, diceware words). */
function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  return factory;
}

/**
 * Whether a password is hard enough to guess, estimated offline. `related` are words an attacker
 * would try first for this account (its email, the email's local part, the account's name).
 * @example
 * isPasswordStrong("Password123!", ["ann@example.com"]) // false
 * isPasswordStrong("correct horse battery staple", []) // true
 */
export function isPasswordStrong(password: string, related: readonly string[]): boolean {
  return estimator().check(password, [...related]).score >= MIN_PASSWORD_SCORE;
}

/**
 * Refuses a password that contains the account's email, repeats too few characters or is easy to
 * guess. @throws AppError `user.weak_password`.
 */
export function assertPasswordFits(password: string, email: string): void {
  const lowered = password.toLowerCase();
  if (lowered.includes(email.toLowerCase()) || lowered === email.split("@")[0]?.toLowerCase()) {
    throw new AppError("user.weak_password", "The password must not contain the email address");
  }
  if (new Set(password).size < 4) {
    throw new AppError("user.weak_password", "The password repeats too few characters");
  }
  const related = [email, email.split("@")[0] ?? "", "parley"];
  if (!isPasswordStrong(password, related)) {
    throw new AppError(
      "user.weak_password",
      "This password is too common or too easy to guess; a few unrelated words make a strong one",
    );
  }
}
