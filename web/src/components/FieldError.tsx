/** A field's error, placed under it and announced when it appears. */
export function FieldError({ message, id }: { message: string | undefined; id?: string }) {
  if (message === undefined) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {message}
    </p>
  );
}
