import { useId } from 'react';
import { ACTION_TYPES, PRESENT_CALLER_IDS } from '../api/types.js';
import type { ActionType, PresentCallerId, Targets } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { presentedBy } from './actionDraft.js';
import type { ActionDraft } from './actionDraft.js';
import { FieldError } from './FieldError.js';

interface Props {
  label: string;
  draft: ActionDraft;
  onChange: (draft: ActionDraft) => void;
  targets: Targets;
  hasMobile: boolean;
  /** Server problems by field: "action", "action.target", "action.number"… */
  errors: Record<string, string>;
  ownExtension: string;
}

/**
 * "Transférer à" and what each option needs: the extension picker with its "Messagerie vocale"
 * box, the system-extension picker, the external number, and "Rebond" for Mon mobile and Numéro
 * externe only (design §4: only those two dial out).
 */
export function ActionFields({
  label,
  draft,
  onChange,
  targets,
  hasMobile,
  errors,
  ownExtension,
}: Props) {
  const { t } = useI18n();
  const ids = {
    type: useId(),
    mobileHint: useId(),
    extension: useId(),
    voicemail: useId(),
    voicemailHelp: useId(),
    system: useId(),
    external: useId(),
    externalHelp: useId(),
    bounce: useId(),
    bounceHelp: useId(),
    presentCallerId: useId(),
    callerIdWarning: useId(),
    confirm: useId(),
    confirmHelp: useId(),
  };
  const set = (patch: Partial<ActionDraft>) => onChange({ ...draft, ...patch });
  const typeError = errors['action'] ?? errors['action.type'] ?? errors['action.bounce'];
  const extensionError = errors['action.target'];
  const numberError = errors['action.number'];
  const mobileOff = !hasMobile && draft.type !== 'mobile';
  const forwards = targets.forwards;
  // Issue 13 §5: a trunk that only accepts its own numbers refuses the caller's.
  const refusedByTrunk =
    forwards.ownNumbersOnly && presentedBy(draft, forwards.presentCallerId) === 'caller';

  return (
    <div className="action-fields">
      <div className="field">
        <label htmlFor={ids.type}>{label}</label>
        <select
          id={ids.type}
          value={draft.type}
          aria-describedby={!hasMobile ? ids.mobileHint : undefined}
          aria-invalid={typeError !== undefined}
          onChange={(e) => set({ type: e.target.value as ActionType })}
        >
          {ACTION_TYPES.map((type) => (
            <option key={type} value={type} disabled={type === 'mobile' && mobileOff}>
              {t(`form.action.${type}`)}
            </option>
          ))}
        </select>
        {!hasMobile && (
          <p id={ids.mobileHint} className="hint">
            {t('form.mobileUnavailable')}
          </p>
        )}
        <FieldError message={typeError} />
      </div>

      {draft.type === 'extension' && (
        <>
          <div className="field">
            <label htmlFor={ids.extension}>{t('form.extensionTarget')}</label>
            <select
              id={ids.extension}
              value={draft.extensionTarget}
              required
              aria-invalid={extensionError !== undefined}
              onChange={(e) => set({ extensionTarget: e.target.value })}
            >
              <option value="">{t('form.extensionChoose')}</option>
              {targets.extensions
                .filter((ext) => ext.number !== ownExtension)
                .map((ext) => (
                  <option key={ext.number} value={ext.number}>
                    {ext.name} ({ext.number})
                  </option>
                ))}
            </select>
            <FieldError message={extensionError} />
          </div>
          <div className="field checkbox">
            <input
              id={ids.voicemail}
              type="checkbox"
              checked={draft.extensionVoicemail}
              aria-describedby={ids.voicemailHelp}
              onChange={(e) => set({ extensionVoicemail: e.target.checked })}
            />
            <label htmlFor={ids.voicemail}>{t('form.extensionVoicemail')}</label>
            <p id={ids.voicemailHelp} className="hint">
              {t('form.extensionVoicemailHelp')}
            </p>
          </div>
        </>
      )}

      {draft.type === 'system' && (
        <div className="field">
          <label htmlFor={ids.system}>{t('form.systemTarget')}</label>
          <select
            id={ids.system}
            value={draft.systemTarget}
            required
            aria-invalid={extensionError !== undefined}
            onChange={(e) => set({ systemTarget: e.target.value })}
          >
            <option value="">{t('form.systemChoose')}</option>
            {targets.system.map((target) => (
              <option key={target.number} value={target.number}>
                {target.name} ({target.number}
                {target.kind === 'ring-group' ? `, ${t('form.ringGroup')}` : ''})
              </option>
            ))}
          </select>
          <FieldError message={extensionError} />
        </div>
      )}

      {draft.type === 'external' && (
        <div className="field">
          <label htmlFor={ids.external}>{t('form.externalNumber')}</label>
          <input
            id={ids.external}
            type="tel"
            inputMode="tel"
            autoComplete="off"
            required
            value={draft.externalNumber}
            aria-invalid={numberError !== undefined}
            aria-describedby={ids.externalHelp}
            onChange={(e) => set({ externalNumber: e.target.value })}
          />
          <p id={ids.externalHelp} className="hint">
            {t('form.externalHelp')}
          </p>
          <FieldError message={numberError} />
        </div>
      )}

      {(draft.type === 'mobile' || draft.type === 'external') && (
        <div className="field checkbox">
          <input
            id={ids.bounce}
            type="checkbox"
            checked={draft.bounce}
            aria-describedby={ids.bounceHelp}
            onChange={(e) => set({ bounce: e.target.checked })}
          />
          <label htmlFor={ids.bounce}>{t('form.bounce')}</label>
          <p id={ids.bounceHelp} className="hint">
            {t('form.bounceHelp')}
          </p>
        </div>
      )}

      {(draft.type === 'mobile' || draft.type === 'external') && (
        <>
          <div className="field">
            <label htmlFor={ids.presentCallerId}>{t('form.presentCallerId')}</label>
            <select
              id={ids.presentCallerId}
              value={draft.presentCallerId}
              aria-describedby={refusedByTrunk ? ids.callerIdWarning : undefined}
              onChange={(e) => set({ presentCallerId: e.target.value as PresentCallerId | '' })}
            >
              <option value="">
                {t('form.presentCallerId.default', {
                  shown: t(`form.presentCallerId.${presentedBy(draft, forwards.presentCallerId)}`),
                })}
              </option>
              {PRESENT_CALLER_IDS.map((choice) => (
                <option key={choice} value={choice}>
                  {t(`form.presentCallerId.${choice}`)}
                </option>
              ))}
            </select>
            {refusedByTrunk && (
              <p id={ids.callerIdWarning} className="warning" role="status">
                {t('form.presentCallerId.refused')}
              </p>
            )}
          </div>
          <div className="field checkbox">
            <input
              id={ids.confirm}
              type="checkbox"
              checked={draft.confirm}
              aria-describedby={ids.confirmHelp}
              onChange={(e) => set({ confirm: e.target.checked })}
            />
            <label htmlFor={ids.confirm}>{t('form.confirm')}</label>
            <p id={ids.confirmHelp} className="hint">
              {t('form.confirmHelp')}
            </p>
          </div>
        </>
      )}
    </div>
  );
}
