import { makeDeps } from "../deps";
import { reconcilePayments, type ReconcileReport } from "../services/reconciliation";

/** The five-minute reconciliation of booking payments (workers/services/reconciliation.ts), on the trigger's clock. */
export function runReconciliation(env: Env, scheduledTime: Date): Promise<ReconcileReport> {
  return reconcilePayments(makeDeps(env), scheduledTime);
}
