export function Manage() {
  return <p class="muted">Manage: coming.</p>;
}

export function ManageProperty({ id }: { id: string }) {
  return <p class="muted">ManageProperty: coming.</p>;
}
