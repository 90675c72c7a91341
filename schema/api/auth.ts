import { z } from "@hono/zod-openapi";
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
    createdAt: z.string(),
  })
  .openapi("User");

export const Register = z
  .object({
    email: Email,
    password: z.string().min(10).max(256).openapi({ example: "correct horse battery" }),
    name: Text({ min: 1, max: 100 }),
    role: z.enum(["tenant", "landlord"]),
  })
  .strict()
  .openapi("Register");

export const Login = z
  .object({
    email: Email,
    password: z.string().min(1).max(256),
  })
  .strict()
  .openapi("Login");

export const RefreshRequest = z
  .object({ refreshToken: z.string().min(1).max(200) })
  .strict()
  .openapi("RefreshRequest");

export const Session = z
  .object({
    user: User,
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().openapi({ example: 900 }),
  })
  .openapi("Session");
