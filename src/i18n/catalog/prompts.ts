/**
 * What the PBX says on the phone, one text per prompt file and language. `scripts/generate-prompts.ts`
 * turns each text into `assets/prompts/<language>/<name>.wav` with espeak-ng; the voicemail code
 * assembles sentences from these files (pbx/voicemail/prompt-catalog.ts), so a text here is a piece
 * of a sentence where it is followed by digits or a count.
 *
 * Numbers: one file per whole number from 0 to MAX_SPOKEN_NUMBER (`number-23` says « vingt-trois »).
 * Extension numbers are said digit by digit with `number-0`…`number-9` (« un zéro un »), as 3CX and
 * Asterisk do, which stays clear for any length; counts are said as whole numbers because French
 * numbers (« soixante et onze », « quatre-vingts ») cannot be assembled naturally from pieces.
 */
import type { Language } from '../../domain/types.js';

export const MAX_SPOKEN_NUMBER = 99;

export const FIXED_PROMPTS = [
  'locating',
  'unavailable',
  'greeting-intro',
  'greeting-outro',
  'enter-pin',
  'wrong-pin',
  'you-have',
  'new-message',
  'new-messages',
  'no-new-messages',
  'message-menu',
  'main-menu',
  'invalid-choice',
  'message-deleted',
  'message-saved',
  'no-more-messages',
  'record-greeting',
  'greeting-saved',
  'recording-failed',
  'goodbye',
  'confirm-call-from',
  'confirm-private',
  'confirm-for',
  'confirm-press-1',
] as const;

export type FixedPrompt = (typeof FIXED_PROMPTS)[number];

/** `number-0` … `number-99`. */
export type NumberPrompt = `number-${number}`;

export type PromptName = FixedPrompt | NumberPrompt;

const fixed: Record<Language, Record<FixedPrompt, string>> = {
  fr: {
    locating: 'Veuillez patienter pendant que nous localisons',
    unavailable: 'Utilisateur indisponible, redirection vers la boîte vocale.',
    'greeting-intro': 'Le correspondant du poste',
    'greeting-outro': "n'est pas disponible. Laissez votre message après le bip.",
    'enter-pin': 'Veuillez saisir votre code secret, suivi de la touche dièse.',
    'wrong-pin': 'Code secret incorrect.',
    'you-have': 'Vous avez',
    'new-message': 'nouveau message.',
    'new-messages': 'nouveaux messages.',
    'no-new-messages': "Vous n'avez aucun nouveau message.",
    'message-menu':
      'Pour réécouter ce message, tapez 1. Pour le supprimer, tapez 7. ' +
      'Pour le sauvegarder, tapez 9. Pour passer au message suivant, tapez dièse. ' +
      "Pour enregistrer votre annonce d'accueil, tapez 0. Pour quitter, tapez étoile.",
    'main-menu':
      'Pour écouter vos messages, tapez 1. ' +
      "Pour enregistrer votre annonce d'accueil, tapez 0. Pour quitter, tapez étoile.",
    'invalid-choice': 'Choix invalide.',
    'message-deleted': 'Message supprimé.',
    'message-saved': 'Message sauvegardé.',
    'no-more-messages': "Il n'y a plus de message.",
    'record-greeting': 'Enregistrez votre annonce après le bip, puis tapez dièse.',
    'greeting-saved': 'Votre annonce est enregistrée.',
    'recording-failed': "La messagerie ne peut pas enregistrer davantage pour l'instant.",
    goodbye: 'Au revoir.',
    // Answer confirmation (issue 13 §4): « Appel de 0 4 9 1 … pour le poste 1 0 1, appuyez sur 1
    // pour accepter. »
    'confirm-call-from': 'Appel de',
    'confirm-private': 'numéro masqué',
    'confirm-for': 'pour le poste',
    'confirm-press-1': 'Appuyez sur 1 pour accepter.',
  },
  en: {
    locating: 'Please hold while we locate',
    unavailable: 'User unavailable, transferring to voicemail.',
    'greeting-intro': 'The person at extension',
    'greeting-outro': 'is not available. Please leave your message after the tone.',
    'enter-pin': 'Please enter your PIN, followed by the hash key.',
    'wrong-pin': 'Incorrect PIN.',
    'you-have': 'You have',
    'new-message': 'new message.',
    'new-messages': 'new messages.',
    'no-new-messages': 'You have no new messages.',
    'message-menu':
      'To replay this message, press 1. To delete it, press 7. To save it, press 9. ' +
      'For the next message, press hash. To record your greeting, press 0. To quit, press star.',
    'main-menu':
      'To listen to your messages, press 1. To record your greeting, press 0. ' +
      'To quit, press star.',
    'invalid-choice': 'Invalid choice.',
    'message-deleted': 'Message deleted.',
    'message-saved': 'Message saved.',
    'no-more-messages': 'There are no more messages.',
    'record-greeting': 'Record your greeting after the tone, then press hash.',
    'greeting-saved': 'Your greeting has been saved.',
    'recording-failed': 'The mailbox cannot record any more for now.',
    goodbye: 'Goodbye.',
    'confirm-call-from': 'Call from',
    'confirm-private': 'a withheld number',
    'confirm-for': 'for extension',
    'confirm-press-1': 'Press 1 to accept.',
  },
};

/** Every prompt file of a language and its text: the fixed prompts, then the numbers. */
export function promptTexts(language: Language): ReadonlyMap<PromptName, string> {
  const texts = new Map<PromptName, string>();
  for (const name of FIXED_PROMPTS) texts.set(name, fixed[language][name]);
  // espeak-ng reads digits as a number in the voice's language: "71" becomes « soixante et onze ».
  for (let n = 0; n <= MAX_SPOKEN_NUMBER; n++) texts.set(`number-${n}`, String(n));
  return texts;
}
