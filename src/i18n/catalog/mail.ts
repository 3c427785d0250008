import type { Catalog } from './catalog.js';

/** The voicemail e-mail (pbx/voicemail/voicemail-mail.ts) and its queue's errors. */
export const mail: Catalog = {
  fr: {
    'mail.subject': 'Nouveau message vocal de {caller} ({duration})',
    'mail.greeting': 'Bonjour {name},',
    'mail.left': 'Message de {caller} : {duration}, reçu {when}.',
    'mail.why': 'Pourquoi ce message est arrivé dans votre messagerie : {sentence}',
    'mail.attached': 'Le message est joint à cet e-mail ({file}).',
    'mail.deleted': 'Il a été retiré de votre messagerie vocale après cet envoi.',
    'mail.kept': 'Il reste aussi dans votre messagerie vocale (*97 ou client web).',
    'mail.withheld': 'numéro masqué',
    'mail.seconds': '{seconds} s',
    'mail.minutes': '{minutes} min {seconds} s',
    'mail.error.no-smtp': 'aucun serveur SMTP n’est configuré (Paramètres > E-mail)',
    'mail.error.sealed':
      'le mot de passe SMTP ne peut pas être déchiffré sur ce PBX : saisissez-le de nouveau',
    'mail.error.file': 'le fichier du message est introuvable',
  },
  en: {
    'mail.subject': 'New voicemail from {caller} ({duration})',
    'mail.greeting': 'Hello {name},',
    'mail.left': 'Message from {caller}: {duration}, received {when}.',
    'mail.why': 'Why this call went to your voicemail: {sentence}',
    'mail.attached': 'The message is attached to this e-mail ({file}).',
    'mail.deleted': 'It was removed from your voicemail box once sent.',
    'mail.kept': 'It also stays in your voicemail box (*97 or the web client).',
    'mail.withheld': 'withheld number',
    'mail.seconds': '{seconds} s',
    'mail.minutes': '{minutes} min {seconds} s',
    'mail.error.no-smtp': 'no SMTP server is configured (Settings > E-mail)',
    'mail.error.sealed': 'the SMTP password cannot be decrypted on this PBX: type it again',
    'mail.error.file': 'the message’s file is missing',
  },
};
