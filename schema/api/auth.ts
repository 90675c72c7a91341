import { z } from "@hono/zod-openapi";
import { passwordProblem } from "../../workers/domain/password-policy";
import { Text } from "./common";

export const Email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase())
  .openapi({ example: "ana@example.com" });

export const User = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(["tenant", "landlord", "admin"]),
    phone: z.string().nullable(),
    locale: z.string().nullable(),
    timezone: z.string().nullable(),
    emailVerified: z.boolean(),
    mfaEnabled: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("User");

/** A new password: 12 characters or more (counted as characters, never truncated), not one of the 10,000 most common. */
export const NewPassword = z
  .string()
  .max(256)
  .superRefine((p, ctx) => {
    const why = passwordProblem(p);
    if (why) ctx.addIssue({ code: "custom", message: why });
  })
  .openapi({ example: "violet tram under nine bridges" });

export const Register = z
  .object({
    email: Email,
    password: NewPassword,
    name: Text({ min: 1, max: 100 }),
    role: z.enum(["tenant", "landlord"]),
  })
  .strict()
  .superRefine((r, ctx) => {
    const why = passwordProblem(r.password, { email: r.email });
    if (why) ctx.addIssue({ code: "custom", path: ["password"], message: why });
  })
  .openapi("Register");

export const Login = z
  .object({
    email: Email,
    password: z.string().min(1).max(256),
  })
  .strict()
  .openapi("Login");

export const RefreshRequest = z
  .object({
    refreshToken: z.string().min(1).max(200).optional().openapi({
      description: "Required, except for the web app (`X-Roomline-Client: web`), whose token is its cookie",
    }),
  })
  .strict()
  .openapi("RefreshRequest");

export const Session = z
  .object({
    user: User,
    accessToken: z.string(),
    refreshToken: z.string().optional().openapi({
      description:
        "Absent for the web app (`X-Roomline-Client: web`): its refresh token is an HttpOnly cookie scoped to /v1/auth",
    }),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().openapi({ example: 900 }),
  })
  .openapi("Session");
