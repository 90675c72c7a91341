import { createRoute } from "@hono/zod-openapi";
import { bearer, errors, idParam, jsonBody, jsonResponse } from "../../schema/api/common";
import { Invoice, InvoicePayment, PayInvoice } from "../../schema/api/leases";
import { requireAuth } from "../http/auth";
import { idempotent } from "../http/idempotency";
import { router } from "../http/router";
import * as invoiceService from "../services/invoices";

/** `{id}` is an invoice id, checked by its shape before any query (422 otherwise). */
const Params = idParam("inv");
const tags = ["rent"];

export const invoices = router()
  .openapi(createRoute({
    method: "get", path: "/{id}", tags, security: bearer, summary: "An invoice (its tenant or landlord)",
    middleware: [requireAuth()] as const, request: { params: Params },
    responses: { 200: jsonResponse(Invoice, "The invoice"), ...errors(401, 404) },
  }), async (c) => c.json(await invoiceService.getInvoice(c.var.deps, c.var.user, c.req.valid("param").id), 200))

  .openapi(createRoute({
    method: "post", path: "/{id}/payments", tags, security: bearer, summary: "Pay all or part of an invoice (Idempotency-Key required)",
    middleware: [requireAuth("tenant"), idempotent("pay")] as const, request: { params: Params, ...jsonBody(PayInvoice) },
    responses: { 201: jsonResponse(InvoicePayment, "Paid (or pending at Stripe)"), ...errors(401, 402, 403, 404, 409, 422, 428, 502) },
  }), async (c) => {
    const body = c.req.valid("json");
    const result = await invoiceService.payInvoice(c.var.deps, c.var.user, c.req.valid("param").id, { ...body.amount, paymentMethod: body.paymentMethod }, c.var.resourceId);
    return c.json(result, 201);
  });
