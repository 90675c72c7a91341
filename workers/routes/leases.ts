import { createRoute } from "@hono/zod-openapi";
import { bearer, errors, idParam, jsonBody, jsonResponse, PageQuery, pageOf } from "../../schema/api/common";
import {
  DepositSettlement,
  Invoice,
  LateFeeRuleBody,
  Lease,
  Notice,
  PaymentPolicyBody,
  SavePaymentMethod,
  SettleDeposit,
  Statement,
} from "../../schema/api/leases";
import { requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as depositService from "../services/deposits";
import * as invoiceService from "../services/invoices";
import * as leaseService from "../services/leases";

/** `{id}` is a lease id, checked by its shape before any query (422 otherwise). */
const Params = idParam("lse");
const tags = ["rent"];

export const leases = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      security: bearer,
      summary: "My leases (as tenant or landlord)",
      middleware: [requireAuth()] as const,
      request: { query: PageQuery },
      responses: { 200: jsonResponse(pageOf(Lease), "A page of leases"), ...errors(401, 422) },
    }),
    async (c) => c.json(await leaseService.listLeases(c.var.deps, c.var.user, c.req.valid("query")), 200),
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      security: bearer,
      summary: "A lease (its tenant or landlord)",
      middleware: [requireAuth()] as const,
      request: { params: Params },
      responses: { 200: jsonResponse(Lease, "The lease"), ...errors(401, 404) },
    }),
    async (c) => c.json(await leaseService.getLease(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/invoices",
      tags,
      security: bearer,
      summary: "Invoices of a lease",
      middleware: [requireAuth()] as const,
      request: { params: Params, query: PageQuery },
      responses: { 200: jsonResponse(pageOf(Invoice), "A page of invoices"), ...errors(401, 404, 422) },
    }),
    async (c) =>
      c.json(
        await invoiceService.listLeaseInvoices(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("query")),
        200,
      ),
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/statement",
      tags,
      security: bearer,
      summary: "Ledger lines with running balance (positive: owed)",
      middleware: [requireAuth()] as const,
      request: { params: Params },
      responses: { 200: jsonResponse(Statement, "The statement"), ...errors(401, 404) },
    }),
    async (c) => c.json(await leaseService.statement(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  )

  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/late-fee-rule",
      tags,
      security: bearer,
      summary: "Set the lease's late-fee rule",
      middleware: [requireAuth("landlord")] as const,
      request: { params: Params, ...jsonBody(LateFeeRuleBody) },
      responses: { 200: jsonResponse(Lease, "Updated"), ...errors(401, 403, 404, 422) },
    }),
    async (c) =>
      c.json(
        await leaseService.setLateFeeRule(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  )

  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/payment-policy",
      tags,
      security: bearer,
      summary: "Set the lease's partial-payment policy",
      middleware: [requireAuth("landlord")] as const,
      request: { params: Params, ...jsonBody(PaymentPolicyBody) },
      responses: { 200: jsonResponse(Lease, "Updated"), ...errors(401, 403, 404, 422) },
    }),
    async (c) =>
      c.json(
        await leaseService.setPaymentPolicy(
          c.var.deps,
          c.var.user,
          c.req.valid("param").id,
          c.req.valid("json").policy,
        ),
        200,
      ),
  )

  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/payment-method",
      tags,
      security: bearer,
      summary: "Save a card for automatic (off-session) rent",
      middleware: [requireAuth("tenant")] as const,
      request: { params: Params, ...jsonBody(SavePaymentMethod) },
      responses: { 200: jsonResponse(Lease, "Saved"), ...errors(401, 403, 404, 422, 502) },
    }),
    async (c) =>
      c.json(
        await leaseService.savePaymentMethod(
          c.var.deps,
          c.var.user,
          c.req.valid("param").id,
          c.req.valid("json").paymentMethod,
        ),
        200,
      ),
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/notice",
      tags,
      security: bearer,
      summary: "End the lease on a date (either party)",
      middleware: [requireAuth()] as const,
      request: { params: Params, ...jsonBody(Notice) },
      responses: { 200: jsonResponse(Lease, "Notice recorded"), ...errors(401, 404, 409, 422) },
    }),
    async (c) =>
      c.json(
        await leaseService.giveNotice(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("json").endDate),
        200,
      ),
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/deposit/settle",
      tags,
      security: bearer,
      summary: "Return the deposit, less itemised deductions",
      middleware: [requireAuth("landlord")] as const,
      request: { params: Params, ...jsonBody(SettleDeposit) },
      responses: { 200: jsonResponse(DepositSettlement, "Settled"), ...errors(401, 403, 404, 409, 422, 502) },
    }),
    async (c) =>
      c.json(
        await depositService.settleDeposit(
          c.var.deps,
          c.var.user,
          c.req.valid("param").id,
          c.req.valid("json").withheld,
        ),
        200,
      ),
  );
