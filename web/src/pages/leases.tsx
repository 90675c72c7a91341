export function Leases() {
  return <p class="muted">Leases: coming.</p>;
}

export function Lease({ id }: { id: string }) {
  return <p class="muted">Lease: coming.</p>;
}
