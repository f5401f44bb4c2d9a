import { z } from "zod";
import { NewPassword } from "./identity.ts";

/** `PATCH /api/v1/me`: what a person may change of their own account themselves. */
export const UpdateProfileRequest = z
  .strictObject({ name: z.string().trim().min(1).max(200) })
  .meta({ id: "UpdateProfileRequest" });
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequest>;

/** `POST /api/v1/me/password`: the current password proves it is the owner at the keyboard. */
export const ChangePasswordRequest = z
  .strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: NewPassword })
  .meta({ id: "ChangePasswordRequest" });
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

/** `POST /api/v1/me/password`: how many other sessions the change signed out. */
export const PasswordChanged = z
  .object({ otherSessionsSignedOut: z.number().int() })
  .meta({ id: "PasswordChanged" });
export type PasswordChanged = z.infer<typeof PasswordChanged>;

/** One signed-in session (a sign-in and its rotations) of the caller. */
export const AccountSession = z
  .object({
    id: z.string(),
    /** The session this request was made with. */
    current: z.boolean(),
    signedInAt: z.iso.datetime(),
    /** When its tokens were last renewed: the browser was in use around then. */
    lastActiveAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .meta({ id: "AccountSession" });
export type AccountSession = z.infer<typeof AccountSession>;

/** `POST /api/v1/me/sessions/sign-out-others`. */
export const SessionsSignedOut = z.object({ signedOut: z.number().int() }).meta({ id: "SessionsSignedOut" });
export type SessionsSignedOut = z.infer<typeof SessionsSignedOut>;

/** `POST /api/v1/users/{id}/password-reset`: a one-time link for the administrator to pass on. */
export const PasswordResetLink = z
  .object({ url: z.string(), token: z.string(), expiresAt: z.iso.datetime() })
  .meta({ id: "PasswordResetLink" });
export type PasswordResetLink = z.infer<typeof PasswordResetLink>;

/** `POST /api/v1/auth/password-reset`: the link's token and the new password. */
export const ResetPasswordRequest = z
  .strictObject({ token: z.string().min(10).max(200), newPassword: NewPassword })
  .meta({ id: "ResetPasswordRequest" });
export type ResetPasswordRequest = z.infer<typeof ResetPasswordRequest>;
