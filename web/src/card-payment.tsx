import { useQuery } from "@tanstack/react-query";
import type { Stripe, StripeElements } from "@stripe/stripe-js";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ok } from "./api";

/** The publishable key the worker put in the page (STRIPE_PUBLISHABLE_KEY); empty with the local stand-in. */
export function stripeKey(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="roomline-stripe-key"]')?.content ?? "";
}

/**
 * Stripe's Payment Element for a held booking, when a real publishable key is configured: the card
 * form is Stripe's own (in its iframe; the card never touches this page or the API), confirmed with
 * the booking's PaymentIntent client secret; the webhook then confirms the booking, which the page
 * is already polling. Stripe.js loads only here (`@stripe/stripe-js/pure`), from Stripe's servers.
 */
export function CardPayment({ bookingId }: { bookingId: string }) {
  const box = useRef<HTMLDivElement>(null);
  const ready = useRef<{ stripe: Stripe; elements: StripeElements } | null>(null);
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const payment = useQuery({
    queryKey: ["payment", bookingId],
    refetchInterval: (q) => (q.state.data?.clientSecret ? false : 1500),
    queryFn: async () => ok(await api.v1.bookings[":id"].payment.$get({ param: { id: bookingId } })),
  });
  const secret = payment.data?.clientSecret;
  useEffect(() => {
    if (!secret || !box.current) return;
    let gone = false;
    void (async () => {
      const { loadStripe } = await import("@stripe/stripe-js/pure");
      const stripe = await loadStripe(stripeKey());
      if (!stripe || gone || !box.current) return;
      const elements = stripe.elements({ clientSecret: secret });
      elements.create("payment").mount(box.current);
      ready.current = { stripe, elements };
    })().catch((err: Error) => setState({ busy: false, error: err.message }));
    return () => {
      gone = true;
    };
  }, [secret]);
  const pay = async (e: Event) => {
    e.preventDefault();
    if (!ready.current) return;
    setState({ busy: true, error: null });
    const { error } = await ready.current.stripe.confirmPayment({
      elements: ready.current.elements,
      redirect: "if_required",
      confirmParams: { return_url: location.href },
    });
    setState({ busy: false, error: error?.message ?? null });
  };
  return (
    <form onSubmit={pay} aria-label="Pay by card">
      {!secret && <p role="status">Preparing the payment…</p>}
      <div ref={box} />
      {state.error && (
        <p class="alert" role="alert">
          {state.error}
        </p>
      )}
      <button class="primary" type="submit" disabled={!secret || state.busy}>
        {state.busy ? "Paying…" : "Pay"}
      </button>
    </form>
  );
}
