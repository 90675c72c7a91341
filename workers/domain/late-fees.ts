/** A lease's late-fee rule: after `graceDays`, a fixed sum, a share of rent, or a daily sum up to a cap. */
export interface LateFeeRule {
  graceDays: number;
  kind: "fixed" | "percent" | "daily";
  amount?: number;
  percentBps?: number;
  cap?: number;
}

/** The largest share of rent a percent fee may take: 20 % (in basis points). */
export const MAX_LATE_FEE_BPS = 2000;

/**
 * What is wrong with a rule for a lease of `rent` a period, field by field (empty: nothing). A fee
 * is a penalty for paying late, never a second rent: no sum in the rule exceeds one period's rent,
 * a percent fee takes at most 20 %, and a daily fee's cap (which bounds its total) is at least one day's fee.
 */
export function lateFeeRuleProblems(rule: LateFeeRule, rent: number): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (rule.amount !== undefined && rule.amount > rent)
    problems.push({ path: "amount", message: `must be at most one period's rent (${rent})` });
  if (rule.cap !== undefined && rule.cap > rent)
    problems.push({ path: "cap", message: `must be at most one period's rent (${rent})` });
  if (rule.percentBps !== undefined && rule.percentBps > MAX_LATE_FEE_BPS)
    problems.push({ path: "percentBps", message: `must be at most ${MAX_LATE_FEE_BPS} (20 %)` });
  if (rule.kind === "daily" && rule.amount !== undefined && rule.cap !== undefined && rule.amount > rule.cap) {
    problems.push({ path: "amount", message: `a day's fee must be at most the cap (${rule.cap})` });
  }
  return problems;
}

/**
 * The late-fee steps still to charge `daysLate` days after the due date, given the steps already
 * `charged` for the invoice (from its recorded actions). Each step is charged once (the billing
 * job records it), however often the job runs. `fixed` and `percent` are one step the day after
 * the grace period; `daily` is one step per day after grace, until the cap is reached. The cap
 * counts every fee already charged, whatever rule charged it: a landlord who changes the rule
 * mid-invoice cannot push the total past the cap.
 */
export function lateFeeSteps(
  rule: LateFeeRule,
  rent: number,
  daysLate: number,
  charged: { step: number; amount: number }[] = [],
): { step: number; amount: number }[] {
  const overdue = daysLate - rule.graceDays;
  if (overdue < 1) return [];
  const done = new Set(charged.map((c) => c.step));
  if (rule.kind === "fixed" || rule.kind === "percent") {
    const amount = rule.kind === "fixed" ? (rule.amount ?? 0) : Math.floor((rent * (rule.percentBps ?? 0)) / 10_000);
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
