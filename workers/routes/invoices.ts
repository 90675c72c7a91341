import { createRoute } from "@hono/zod-openapi";
import { bearer, errors, idParam, jsonBody, jsonResponse } from "../../schema/api/common";
import { Invoice, InvoicePayment, InvoicePaymentPending, PayInvoice } from "../../schema/api/leases";
import { requireAuth } from "../http/auth";
import { idempotent } from "../http/idempotency";
import { router } from "../http/router";
import * as invoiceService from "../services/invoices";

/** `{id}` is an invoice id, checked by its shape before any query (422 otherwise). */
const Params = idParam("inv");
const tags = ["rent"];

export const invoices = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      security: bearer,
      summary: "An invoice (its tenant or landlord)",
      middleware: [requireAuth()] as const,
      request: { params: Params },
      responses: { 200: jsonResponse(Invoice, "The invoice"), ...errors(401, 404) },
    }),
    async (c) => c.json(await invoiceService.getInvoice(c.var.deps, c.var.user, c.req.valid("param").id), 200),
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/payments",
      tags,
      security: bearer,
      summary: "Pay all or part of an invoice (Idempotency-Key required)",
      description:
        "The amount must be at least what the lease's policy asks and at most everything owed on the lease plus one period's rent " +
        "(422 `amount_too_large`); an invoice with nothing owed refuses any amount (409 `nothing_owed`). A payment whose outcome Stripe " +
        "has not given yet answers 202 `payment_pending`: retry with the same Idempotency-Key to ask again (the same PaymentIntent, never " +
        "a second charge), or wait for the invoice to show it. Rate limited per tenant (429).",
      middleware: [requireAuth("tenant"), idempotent("ipa")] as const,
      request: { params: Params, ...jsonBody(PayInvoice) },
      responses: {
        201: jsonResponse(
          InvoicePayment,
          "Paid, or waiting for the card's authentication (`requires_action`, with `clientSecret`)",
        ),
        202: jsonResponse(
          InvoicePaymentPending,
          "`payment_pending`: sent to Stripe, outcome not known yet; the amount counts as paid meanwhile",
        ),
        ...errors(401, 402, 403, 404, 409, 422, 428, 429, 502),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const result = await invoiceService.payInvoice(
        c.var.deps,
        c.var.user,
        c.req.valid("param").id,
        { ...body.amount, paymentMethod: body.paymentMethod },
        c.var.resourceId,
      );
      return result.pending ? c.json(result.body, 202) : c.json(result.body, 201);
    },
  );
