import { useQuery } from "@tanstack/react-query";
import type { InferResponseType } from "hono/client";
import { api, ok } from "../../api";
import { Alert } from "../../form";
import { day, money } from "../../format";
import type { Money } from "./shared";

type Statement = InferResponseType<(typeof api.v1.leases)[":id"]["statement"]["$get"], 200>;

const CELL = { padding: "4px 16px 4px 0", textAlign: "left" } as const;
const RIGHT = { ...CELL, textAlign: "right" } as const;

/** The lease's running account: every charge and payment, and the balance now. */
export function StatementTable({ leaseId }: { leaseId: string }) {
  const statement = useQuery({
    queryKey: ["lease-statement", leaseId],
    queryFn: async () => ok(await api.v1.leases[":id"].statement.$get({ param: { id: leaseId } })),
  });
  const s = statement.data;
  return (
    <section aria-labelledby="statement-title">
      <h2 id="statement-title">Statement</h2>
      {statement.isLoading && <p role="status">Loading the statement…</p>}
      <Alert error={statement.error} />
      {s && s.lines.length === 0 && <p class="muted">Nothing on the statement yet.</p>}
      {s && s.lines.length > 0 && <StatementLines statement={s} />}
    </section>
  );
}

/** The statement's lines, oldest first, then what is owed or in credit. */
function StatementLines({ statement: s }: { statement: Statement }) {
  const m = (amount: number): Money => ({ amount, currency: s.currency });
  return (
    <>
      <table>
        <caption style={{ textAlign: "left" }}>
          Charges and payments, oldest first. A positive balance is owed by the tenant.
        </caption>
        <thead>
          <tr>
            <th scope="col" style={CELL}>
              Date
            </th>
            <th scope="col" style={CELL}>
              Description
            </th>
            <th scope="col" style={RIGHT}>
              Amount
            </th>
            <th scope="col" style={RIGHT}>
              Balance
            </th>
          </tr>
        </thead>
        <tbody>
          {s.lines.map((line, i) => (
            <tr key={i}>
              <td style={CELL}>{day(line.postedAt)}</td>
              <td style={CELL}>{line.description}</td>
              <td style={RIGHT}>{money(m(line.amount))}</td>
              <td style={RIGHT}>{money(m(line.balance))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <strong>
          {s.balance > 0
            ? `Owed now: ${money(m(s.balance))}`
            : s.balance < 0
              ? `In credit: ${money(m(-s.balance))}`
              : "Nothing owed."}
        </strong>
      </p>
    </>
  );
}
