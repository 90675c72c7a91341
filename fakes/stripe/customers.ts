/** Customers: created for a tenant, then named by PaymentIntents. */
import { missing, throwError } from "./errors";
import type { Events } from "./events";
import { newId, now, type Metadata } from "./objects";
import { getString, mergeMetadata, type Ctx, type ParamMap } from "./params";

export interface Customer {
  id: string;
  object: "customer";
  created: number;
  description: string | null;
  email: string | null;
  livemode: false;
  metadata: Metadata;
  name: string | null;
  phone: string | null;
}

export class Customers {
  private readonly customers = new Map<string, Customer>();

  constructor(private readonly events: Events) {}

  /** POST /v1/customers. */
  create(c: Ctx): Customer {
    const p = c.params;
    const customer: Customer = {
      id: newId("cus"),
      object: "customer",
      created: now(),
      description: getString(p, "description") ?? null,
      email: getString(p, "email") ?? null,
      livemode: false,
      metadata: mergeMetadata(p),
      name: getString(p, "name") ?? null,
      phone: getString(p, "phone") ?? null,
    };
    this.customers.set(customer.id, customer);
    this.events.emit("customer.created", customer, c);
    return customer;
  }

  /** GET /v1/customers/:id. */
  get(id: string): Customer {
    return this.customers.get(id) ?? throwError(missing("customer", id, "id"));
  }

  /** The `customer` param of another resource: it must name an existing customer. */
  param(p: ParamMap): string | undefined {
    const id = getString(p, "customer");
    if (id && !this.customers.has(id)) throw missing("customer", id, "customer", 400);
    return id;
  }

  reset(): void {
    this.customers.clear();
  }
}
