/** A lease's late-fee rule: after `graceDays`, a fixed sum, a share of rent, or a daily sum up to a cap. */
export interface LateFeeRule { graceDays: number; kind: "fixed" | "percent" | "daily"; amount?: number; percentBps?: number; cap?: number }

/**
 * The late-fee steps still to charge `daysLate` days after the due date, given the steps already
 * `charged` for the invoice (from its recorded actions). Each step is charged once (the billing
 * job records it), however often the job runs. `fixed` and `percent` are one step the day after
 * the grace period; `daily` is one step per day after grace, until the cap is reached. The cap
 * counts every fee already charged, whatever rule charged it: a landlord who changes the rule
 * mid-invoice cannot push the total past the cap.
 */
export function lateFeeSteps(rule: LateFeeRule, rent: number, daysLate: number, charged: { step: number; amount: number }[] = []): { step: number; amount: number }[] {
  const overdue = daysLate - rule.graceDays;
  if (overdue < 1) return [];
  const done = new Set(charged.map((c) => c.step));
  if (rule.kind === "fixed" || rule.kind === "percent") {
    const amount = rule.kind === "fixed" ? rule.amount ?? 0 : Math.floor((rent * (rule.percentBps ?? 0)) / 10_000);
    return amount > 0 && !done.has(1) ? [{ step: 1, amount }] : [];
  }
  const perDay = rule.amount ?? 0;
  const cap = rule.cap ?? Number.MAX_SAFE_INTEGER;
  const steps: { step: number; amount: number }[] = [];
  let total = charged.reduce((s, c) => s + c.amount, 0);
  for (let day = 1; day <= overdue && total < cap && perDay > 0; day++) {
    if (done.has(day)) continue;
    const amount = Math.min(perDay, cap - total);
    steps.push({ step: day, amount });
    total += amount;
  }
  return steps;
}
