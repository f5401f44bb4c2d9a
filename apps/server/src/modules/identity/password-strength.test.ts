import { describe, expect, it } from "vitest";
import { isPasswordStrong } from "./password-strength.ts";

describe("isPasswordStrong", () => {
  it.each([
    "password1234",
    "Password123!",
    "Password1234",
    "P@ssw0rd1234",
    "qwerty123456",
    "iloveyou1234",
    "letmein12345",
    "admin1234567",
    "Welcome2024!",
    "123456789012",
    "passwordpassword",
    "trustno1trustno1",
  ])("refuses the common or patterned password %s", (password) => {
    expect(isPasswordStrong(password, [])).toBe(false);
  });

  it.each(["correct horse battery staple", "pw-admin-1-long-enough", "blue-cactus-sings-at-dawn"])(
    "accepts the passphrase %s",
    (password) => {
      expect(isPasswordStrong(password, [])).toBe(true);
    },
  );

  it("counts the account's own email against the password", () => {
    expect(isPasswordStrong("zephyrine.quokka2026", [])).toBe(true);
    expect(
      isPasswordStrong("zephyrine.quokka2026", ["zephyrine.quokka@example.com", "zephyrine.quokka"]),
    ).toBe(false);
  });
});
