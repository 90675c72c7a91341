/**
 * A labelled input with the API's word about it (from a problem's `errors[]`) right under it,
 * tied to the input for screen readers.
 */
export function Field(props: {
  name: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string;
  type?: string;
  autoComplete?: string;
  placeholder?: string;
  inputMode?: "decimal" | "numeric" | "text";
}) {
  const errorId = `${props.name}-error`;
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type={props.type ?? "text"}
        autoComplete={props.autoComplete}
        placeholder={props.placeholder}
        inputMode={props.inputMode}
        value={props.value}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? errorId : undefined}
        onInput={(e) => props.onValue((e.target as HTMLInputElement).value)}
      />
      {props.error && (
        <span id={errorId} class="error">
          {props.error}
        </span>
      )}
    </label>
  );
}
