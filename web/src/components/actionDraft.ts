import type { Action, ActionType, PresentCallerId } from '../api/types.js';

/**
 * What the "Transférer à" fields hold while the user edits: every option's value is kept, so
 * switching from "Numéro externe" to "Mon mobile" and back does not lose the number typed.
 */
export interface ActionDraft {
  type: ActionType;
  extensionTarget: string;
  extensionVoicemail: boolean;
  systemTarget: string;
  externalNumber: string;
  bounce: boolean;
  /** '': the default (private with a bounce, else the trunk's choice). */
  presentCallerId: PresentCallerId | '';
  confirm: boolean;
}

export function draftFromAction(action: Action | null): ActionDraft {
  const draft: ActionDraft = {
    type: 'voicemail',
    extensionTarget: '',
    extensionVoicemail: false,
    systemTarget: '',
    externalNumber: '',
    bounce: false,
    presentCallerId: '',
    confirm: false,
  };
  if (action === null) return draft;
  draft.type = action.type;
  switch (action.type) {
    case 'extension':
      draft.extensionTarget = action.target;
      draft.extensionVoicemail = action.voicemail;
      break;
    case 'system':
      draft.systemTarget = action.target;
      break;
    case 'mobile':
      draft.bounce = action.bounce;
      draft.presentCallerId = action.presentCallerId ?? '';
      draft.confirm = action.confirm === true;
      break;
    case 'external':
      draft.externalNumber = action.number;
      draft.bounce = action.bounce;
      draft.presentCallerId = action.presentCallerId ?? '';
      draft.confirm = action.confirm === true;
      break;
    case 'voicemail':
    case 'busy':
      break;
  }
  return draft;
}

export function actionFromDraft(draft: ActionDraft): Action {
  switch (draft.type) {
    case 'voicemail':
      return { type: 'voicemail' };
    case 'extension':
      return {
        type: 'extension',
        target: draft.extensionTarget,
        voicemail: draft.extensionVoicemail,
      };
    case 'system':
      return { type: 'system', target: draft.systemTarget };
    case 'mobile':
      return { type: 'mobile', bounce: draft.bounce, ...forwardOptions(draft) };
    case 'external':
      return {
        type: 'external',
        number: draft.externalNumber.trim(),
        bounce: draft.bounce,
        ...forwardOptions(draft),
      };
    case 'busy':
      return { type: 'busy' };
  }
}

/** The options of a forward out (issue 13 §4, §5), only those chosen. */
function forwardOptions(draft: ActionDraft): { presentCallerId?: PresentCallerId; confirm?: true } {
  return {
    ...(draft.presentCallerId === '' ? {} : { presentCallerId: draft.presentCallerId }),
    ...(draft.confirm ? { confirm: true } : {}),
  };
}

/**
 * What a forward out would present (the server decides the same way: domain/forward-options.ts):
 * the choice, else private with a bounce, else the trunk's.
 */
export function presentedBy(draft: ActionDraft, trunkDefault: PresentCallerId): PresentCallerId {
  if (draft.presentCallerId !== '') return draft.presentCallerId;
  return draft.bounce ? 'private' : trunkDefault;
}
