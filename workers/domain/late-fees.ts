import type { LateFeeRule } from "../../schema/pg";

/**
 * The late-fee steps owed `daysLate` days after the due date. Each step is charged once (the
 * billing job records it), however often the job runs. `fixed` and `percent` are one step the day
 * after the grace period; `daily` is one step per day after grace, until the cap is reached.
 */
export function lateFeeSteps(rule: LateFeeRule, rent: number, daysLate: number): { step: number; amount: number }[] {
  const overdue = daysLate - rule.graceDays;
  if (overdue < 1) return [];
  if (rule.kind === "fixed") return [{ step: 1, amount: rule.amount ?? 0 }].filter((s) => s.amount > 0);
  if (rule.kind === "percent") return [{ step: 1, amount: Math.floor((rent * (rule.percentBps ?? 0)) / 10_000) }].filter((s) => s.amount > 0);
  const perDay = rule.amount ?? 0;
  const cap = rule.cap ?? Number.MAX_SAFE_INTEGER;
  const steps: { step: number; amount: number }[] = [];
  let total = 0;
  for (let day = 1; day <= overdue && total < cap && perDay > 0; day++) {
    const amount = Math.min(perDay, cap - total);
    steps.push({ step: day, amount });
    total += amount;
  }
  return steps;
}

/** Platform commission on rent, in basis points, rounded down so the landlord never gets less than the rest. */
export const PLATFORM_FEE_BPS = 300;
export function platformFee(rent: number): number {
  return Math.floor((rent * PLATFORM_FEE_BPS) / 10_000);
}
