import { useId, useState } from 'react';
import { FieldError } from '../../components/FieldError.js';
import { useI18n } from '../../i18n/index.js';
import type { MessageKey } from '../../i18n/index.js';

type Item = Record<string, unknown>;

export type FieldSpec =
  | { key: string; label: MessageKey; kind: 'text' | 'password' | 'tel' | 'email' }
  /** A yes/no property, left out of the document when unticked. */
  | { key: string; label: MessageKey; kind: 'checkbox' }
  | { key: string; label: MessageKey; kind: 'number' }
  | {
      key: string;
      label: MessageKey;
      kind: 'select';
      options: { value: string; label?: MessageKey }[];
    }
  /** A list of numbers written "100, 101". */
  | { key: string; label: MessageKey; kind: 'list' }
  /** A mapping written one "key = value" a line. */
  | { key: string; label: MessageKey; kind: 'map' };

interface Props {
  /** The section's name in the document ("extensions"), for problem paths. */
  section: string;
  items: Item[];
  fields: FieldSpec[];
  titleOf: (item: Item) => string;
  newItem: () => Item;
  addLabel: MessageKey;
  onChange: (items: Item[]) => void;
  problemAt: (field: string, exact?: boolean) => string | undefined;
}

/** Extensions, ring groups, trunks: a card per item, a field per property, add and remove. */
export function ListEditor(props: Props) {
  const { t } = useI18n();
  const { items, onChange } = props;
  // Fields keep their text: after a removal every card is drawn afresh from the items.
  const [epoch, setEpoch] = useState(0);
  return (
    <div className="list-editor">
      {items.map((item, index) => (
        <fieldset key={`${epoch}-${index}`} className="card list-item">
          <legend>{props.titleOf(item)}</legend>
          <div className="field-grid">
            {props.fields.map((spec) => (
              <FieldInput
                key={spec.key}
                spec={spec}
                value={item[spec.key]}
                error={props.problemAt(`${props.section}.${index}.${spec.key}`)}
                onChange={(value) => {
                  const next = Object.fromEntries(
                    Object.entries(item).filter(([key]) => key !== spec.key),
                  );
                  if (value !== undefined) next[spec.key] = value;
                  onChange(items.map((it, i) => (i === index ? next : it)));
                }}
              />
            ))}
          </div>
          <FieldError message={props.problemAt(`${props.section}.${index}`, true)} />
          <button
            type="button"
            className="danger-outline"
            onClick={() => {
              setEpoch((n) => n + 1);
              onChange(items.filter((_, i) => i !== index));
            }}
          >
            {t('admin.removeItem', { name: props.titleOf(item) })}
          </button>
        </fieldset>
      ))}
      <button type="button" onClick={() => onChange([...items, props.newItem()])}>
        {t(props.addLabel)}
      </button>
    </div>
  );
}

function textOf(spec: FieldSpec, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (spec.kind === 'list' && Array.isArray(value)) return value.join(', ');
  if (spec.kind === 'map' && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k} = ${String(v)}`)
      .join('\n');
  }
  return String(value);
}

function valueOf(spec: FieldSpec, text: string): unknown {
  if (spec.kind === 'number') return text.trim() === '' ? undefined : Number(text);
  if (spec.kind === 'list') {
    return text
      .split(/[,;\s]+/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  if (spec.kind === 'map') {
    const entries = text
      .split('\n')
      .map((line) => line.split('='))
      .filter((parts) => parts.length === 2)
      .map(([k = '', v = '']) => [k.trim(), v.trim()]);
    return Object.fromEntries(entries);
  }
  return text === '' ? undefined : text;
}

function FieldInput({
  spec,
  value,
  error,
  onChange,
}: {
  spec: FieldSpec;
  value: unknown;
  error: string | undefined;
  onChange: (value: unknown) => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const errorId = useId();
  // Lists and maps keep the text as typed, so a trailing comma or a half-written line survives.
  const [text, setText] = useState(() => textOf(spec, value));
  const update = (next: string) => {
    setText(next);
    onChange(valueOf(spec, next));
  };
  const common = {
    id,
    'aria-invalid': error !== undefined,
    'aria-describedby': error === undefined ? undefined : errorId,
  };
  if (spec.kind === 'checkbox') {
    return (
      <div className="field">
        <label className="checkbox-inline" htmlFor={id}>
          <input
            {...common}
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked ? true : undefined)}
          />
          {t(spec.label)}
        </label>
        <FieldError message={error} id={errorId} />
      </div>
    );
  }
  return (
    <div className={`field${spec.kind === 'map' ? ' wide' : ''}`}>
      <label htmlFor={id}>{t(spec.label)}</label>
      {spec.kind === 'select' ? (
        <select {...common} value={text} onChange={(e) => update(e.target.value)}>
          <option value="">—</option>
          {spec.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label === undefined ? o.value.toUpperCase() : t(o.label)}
            </option>
          ))}
        </select>
      ) : spec.kind === 'map' ? (
        <textarea {...common} rows={3} value={text} onChange={(e) => update(e.target.value)} />
      ) : (
        <input
          {...common}
          type={spec.kind === 'list' ? 'text' : spec.kind}
          autoComplete={spec.kind === 'password' ? 'new-password' : 'off'}
          value={text}
          onChange={(e) => update(e.target.value)}
        />
      )}
      <FieldError message={error} id={errorId} />
    </div>
  );
}
