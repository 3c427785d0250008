import { useId, useState } from 'react';
import { FieldError } from '../../components/FieldError.js';
import { useI18n } from '../../i18n/index.js';
import {
  DAYS,
  NUMBER_CLASSES,
  holidaysFromText,
  holidaysToText,
  hoursFromDays,
  hoursPerDay,
} from './directory.js';
import type { Day, DirectoryDoc, ExtensionDoc, RingGroupDoc, TrunkDoc } from './directory.js';
import { OUTSIDE_CALLS_DEFAULTS } from './directory.js';
import { ListEditor } from './ListEditor.js';
import type { FieldSpec } from './ListEditor.js';
import { DirectorySection } from './useDirectory.js';
import type { SectionProps } from './useDirectory.js';

const EXTENSION_FIELDS: FieldSpec[] = [
  { key: 'number', label: 'admin.ext.number', kind: 'text' },
  { key: 'name', label: 'admin.ext.name', kind: 'text' },
  { key: 'password', label: 'admin.ext.password', kind: 'password' },
  { key: 'mobile', label: 'admin.ext.mobile', kind: 'tel' },
  { key: 'voicemailPin', label: 'admin.ext.voicemailPin', kind: 'password' },
  { key: 'ringTimeout', label: 'admin.ext.ringTimeout', kind: 'number' },
  { key: 'email', label: 'admin.ext.email', kind: 'email' },
  { key: 'deleteAfterEmail', label: 'admin.ext.deleteAfterEmail', kind: 'checkbox' },
  {
    key: 'role',
    label: 'admin.ext.role',
    kind: 'select',
    options: [
      { value: 'user', label: 'admin.ext.role.user' },
      { value: 'admin', label: 'admin.ext.role.admin' },
    ],
  },
  {
    key: 'language',
    label: 'admin.ext.language',
    kind: 'select',
    options: [
      { value: 'fr', label: 'lang.fr' },
      { value: 'en', label: 'lang.en' },
    ],
  },
];

const RING_GROUP_FIELDS: FieldSpec[] = [
  { key: 'number', label: 'admin.rg.number', kind: 'text' },
  { key: 'name', label: 'admin.rg.name', kind: 'text' },
  {
    key: 'strategy',
    label: 'admin.rg.strategy',
    kind: 'select',
    options: [
      { value: 'ring-all', label: 'admin.rg.strategy.ring-all' },
      { value: 'hunt', label: 'admin.rg.strategy.hunt' },
    ],
  },
  { key: 'members', label: 'admin.rg.members', kind: 'list' },
  { key: 'timeout', label: 'admin.rg.timeout', kind: 'number' },
];

const TRUNK_FIELDS: FieldSpec[] = [
  { key: 'name', label: 'admin.trunk.name', kind: 'text' },
  { key: 'host', label: 'admin.trunk.host', kind: 'text' },
  { key: 'port', label: 'admin.trunk.port', kind: 'number' },
  {
    key: 'transport',
    label: 'admin.trunk.transport',
    kind: 'select',
    options: [{ value: 'udp' }, { value: 'tcp' }],
  },
  { key: 'username', label: 'admin.trunk.username', kind: 'text' },
  { key: 'password', label: 'admin.trunk.password', kind: 'password' },
  { key: 'inbound', label: 'admin.trunk.inbound', kind: 'map' },
];

type Items = Record<string, unknown>[];

export function ExtensionsAdminPage() {
  const { t } = useI18n();
  return (
    <DirectorySection title={t('nav.extensions')}>
      {({ doc, setDoc, problemAt }) => (
        <ListEditor
          section="extensions"
          items={(doc.extensions ?? []) as Items}
          fields={EXTENSION_FIELDS}
          titleOf={(item) =>
            `${String(item.number ?? '')} ${String(item.name ?? '')}`.trim() || t('admin.ext.new')
          }
          newItem={() => ({ number: '', name: '', password: '' })}
          addLabel="admin.ext.new"
          onChange={(items) => setDoc({ ...doc, extensions: items as ExtensionDoc[] })}
          problemAt={problemAt}
        />
      )}
    </DirectorySection>
  );
}

export function RingGroupsAdminPage() {
  const { t } = useI18n();
  return (
    <DirectorySection title={t('nav.ringGroups')}>
      {({ doc, setDoc, problemAt }) => (
        <ListEditor
          section="ringGroups"
          items={(doc.ringGroups ?? []) as Items}
          fields={RING_GROUP_FIELDS}
          titleOf={(item) =>
            `${String(item.number ?? '')} ${String(item.name ?? '')}`.trim() || t('admin.rg.new')
          }
          newItem={() => ({ number: '', name: '', members: [] })}
          addLabel="admin.rg.new"
          onChange={(items) => setDoc({ ...doc, ringGroups: items as RingGroupDoc[] })}
          problemAt={problemAt}
        />
      )}
    </DirectorySection>
  );
}

export function TrunksAdminPage() {
  const { t } = useI18n();
  return (
    <DirectorySection title={t('nav.trunks')}>
      {({ doc, setDoc, problemAt }) => (
        <ListEditor
          section="trunks"
          items={(doc.trunks ?? []) as Items}
          fields={TRUNK_FIELDS}
          titleOf={(item) => String(item.name ?? '') || t('admin.trunk.new')}
          newItem={() => ({ name: '', host: '' })}
          addLabel="admin.trunk.new"
          onChange={(items) => setDoc({ ...doc, trunks: items as TrunkDoc[] })}
          problemAt={problemAt}
        />
      )}
    </DirectorySection>
  );
}

export function OfficeHoursAdminPage() {
  const { t } = useI18n();
  return (
    <DirectorySection title={t('nav.officeHours')}>
      {(props) => <OfficeHoursFields {...props} />}
    </DirectorySection>
  );
}

function OfficeHoursFields({ doc, setDoc, problemAt }: SectionProps) {
  const { t } = useI18n();
  const [days, setDays] = useState(() => hoursPerDay(doc.officeHours));
  const [holidays, setHolidays] = useState(() => holidaysToText(doc.holidays));
  const base = useId();
  const helpId = useId();

  const setDay = (day: Day, text: string) => {
    const next = { ...days, [day]: text };
    setDays(next);
    setDoc({ ...doc, officeHours: hoursFromDays(next) });
  };

  return (
    <>
      <fieldset className="card">
        <legend>{t('admin.hours.officeHours')}</legend>
        <p id={helpId} className="hint">
          {t('admin.hours.dayHelp')}
        </p>
        <div className="field-grid">
          {DAYS.map((day) => {
            const error = problemAt(`officeHours.${day}`);
            return (
              <div className="field" key={day}>
                <label htmlFor={`${base}-${day}`}>{t(`day.${day}`)}</label>
                <input
                  id={`${base}-${day}`}
                  value={days[day]}
                  aria-invalid={error !== undefined}
                  aria-describedby={error === undefined ? helpId : `${helpId} ${base}-${day}-error`}
                  onChange={(e) => setDay(day, e.target.value)}
                />
                <FieldError message={error} id={`${base}-${day}-error`} />
              </div>
            );
          })}
        </div>
        <FieldError message={problemAt('officeHours', true)} />
        <div className="field">
          <label htmlFor={`${base}-tz`}>{t('admin.hours.timezone')}</label>
          <input
            id={`${base}-tz`}
            value={doc.timezone ?? ''}
            aria-invalid={problemAt('timezone') !== undefined}
            aria-describedby={problemAt('timezone') === undefined ? undefined : `${base}-tz-error`}
            onChange={(e) => setDoc({ ...doc, timezone: e.target.value })}
          />
          <FieldError message={problemAt('timezone')} id={`${base}-tz-error`} />
        </div>
      </fieldset>
      <div className="card field">
        <label htmlFor={`${base}-holidays`}>{t('admin.hours.holidays')}</label>
        <textarea
          id={`${base}-holidays`}
          rows={6}
          value={holidays}
          aria-invalid={problemAt('holidays') !== undefined}
          aria-describedby={
            problemAt('holidays') === undefined ? undefined : `${base}-holidays-error`
          }
          onChange={(e) => {
            setHolidays(e.target.value);
            setDoc({ ...doc, holidays: holidaysFromText(e.target.value) });
          }}
        />
        <FieldError message={problemAt('holidays')} id={`${base}-holidays-error`} />
      </div>
    </>
  );
}

export function OutboundAdminPage() {
  const { t } = useI18n();
  return (
    <DirectorySection title={t('nav.outbound')} intro={t('admin.outbound.intro')}>
      {(props) => <OutboundFields {...props} />}
    </DirectorySection>
  );
}

function OutboundFields({ doc, setDoc, problemAt }: SectionProps) {
  const { t } = useI18n();
  const maxId = useId();
  const allow = doc.outboundPolicy?.allow ?? ['fixed', 'mobile'];
  const toggle = (cls: string, on: boolean) => {
    const next = on ? [...allow, cls] : allow.filter((c) => c !== cls);
    setDoc({ ...doc, outboundPolicy: { allow: NUMBER_CLASSES.filter((c) => next.includes(c)) } });
  };
  return (
    <>
      <fieldset className="card">
        <legend>{t('nav.outbound')}</legend>
        {NUMBER_CLASSES.map((cls) => (
          <label key={cls} className="checkbox-inline">
            <input
              type="checkbox"
              checked={allow.includes(cls)}
              onChange={(e) => toggle(cls, e.target.checked)}
            />
            {t(`admin.outbound.${cls}`)}
          </label>
        ))}
        <FieldError message={problemAt('outboundPolicy.allow') ?? problemAt('outboundPolicy')} />
      </fieldset>
      <div className="card field">
        <label htmlFor={maxId}>{t('admin.outbound.maxExceptions')}</label>
        <input
          id={maxId}
          type="number"
          min={1}
          aria-invalid={problemAt('maxExceptions') !== undefined}
          aria-describedby={problemAt('maxExceptions') === undefined ? undefined : `${maxId}-error`}
          value={doc.maxExceptions ?? 15}
          onChange={(e) =>
            setDoc({
              ...doc,
              maxExceptions: e.target.value === '' ? undefined : Number(e.target.value),
            } as DirectoryDoc)
          }
        />
        <FieldError message={problemAt('maxExceptions')} id={`${maxId}-error`} />
      </div>
      <OutsideCallsFields doc={doc} setDoc={setDoc} problemAt={problemAt} />
    </>
  );
}

/** Issue 14: SIP calls from neither a trunk nor an extension, refused unless allowed here. */
function OutsideCallsFields({ doc, setDoc, problemAt }: SectionProps) {
  const { t } = useI18n();
  const base = useId();
  const outside = { ...OUTSIDE_CALLS_DEFAULTS, ...doc.outsideCalls };
  const set = (change: Partial<typeof outside>) =>
    setDoc({ ...doc, outsideCalls: { ...doc.outsideCalls, ...change } });
  const numbers = ['concurrent', 'perMinute', 'keepDays'] as const;
  return (
    <fieldset className="card">
      <legend>{t('admin.outside.title')}</legend>
      <p>{t('admin.outside.intro')}</p>
      <label className="checkbox-inline">
        <input
          type="checkbox"
          checked={outside.allow}
          onChange={(e) => set({ allow: e.target.checked })}
        />
        {t('admin.outside.allow')}
      </label>
      <FieldError message={problemAt('outsideCalls.allow') ?? problemAt('outsideCalls')} />
      {numbers.map((key) => {
        const error = problemAt(`outsideCalls.${key}`);
        const id = `${base}-${key}`;
        return (
          <div className="field" key={key}>
            <label htmlFor={id}>{t(`admin.outside.${key}`)}</label>
            <input
              id={id}
              type="number"
              min={key === 'keepDays' ? 0 : 1}
              aria-invalid={error !== undefined}
              aria-describedby={error === undefined ? undefined : `${id}-error`}
              value={outside[key]}
              onChange={(e) =>
                set({ [key]: e.target.value === '' ? undefined : Number(e.target.value) })
              }
            />
            <FieldError message={error} id={`${id}-error`} />
          </div>
        );
      })}
    </fieldset>
  );
}
