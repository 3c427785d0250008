import type { Catalog } from './catalog.js';

/** Problems of the directory document (import, web API) and the import/export commands. */
export const directory: Catalog = {
  fr: {
    'directory.not-object': 'une table de clés et valeurs est attendue ici, pas {value}',
    'directory.unknown-key': 'clé « {key} » inconnue (clés possibles : {allowed})',
    'directory.unknown-key-suggest':
      'clé « {key} » inconnue ; vouliez-vous dire « {suggestion} » ?',
    'directory.not-list': 'une liste est attendue ici, pas {value}',
    'directory.required': 'obligatoire',
    'directory.not-string': 'un texte est attendu ici, pas {value}',
    'directory.empty': 'ne peut pas être vide',
    'directory.quote-it':
      'écrivez-le entre guillemets : YAML lit {value} comme un nombre, ce qui perd un 0 initial',
    'directory.not-integer': 'un nombre entier est attendu ici, pas {value}',
    'directory.out-of-range': '{value} est hors limites ({min} à {max})',
    'directory.not-boolean': 'true ou false est attendu ici, pas {value}',
    'directory.not-one-of': '{value} n’est pas une valeur possible ({allowed})',
    'directory.bad-extension-number':
      '« {value} » n’est pas un numéro d’extension (2 à 6 chiffres)',
    'directory.key-not-for-action': 'la clé « {key} » ne s’applique pas à une action « {type} »',
    'directory.bad-country': '« {value} » n’est pas un code pays connu (ex. FR, BE, CH)',
    'directory.bad-timezone': '« {value} » n’est pas un fuseau horaire IANA (ex. Europe/Paris)',
    'directory.duplicate': '« {value} » figure deux fois',
    'directory.bad-date': '« {value} » n’est pas une date AAAA-MM-JJ',
    'directory.bad-validity':
      '« {value} » n’est ni une date AAAA-MM-JJ ni une date et heure AAAA-MM-JJTHH:MM',
    'directory.validity-empty': 'la fin ({until}) doit venir après le début ({from})',
    'directory.bad-instant':
      '« {value} » n’est pas une date et heure AAAA-MM-JJTHH:MM (heure locale, ou avec un décalage)',
    'directory.schedule-available':
      'un planning de statuts ne programme que d’autres statuts que Disponible, qui est le statut hors planning',
    'directory.password-too-short': 'le mot de passe doit compter au moins {min} caractères',
    'directory.bad-pin': '« {value} » n’est pas un code de messagerie (4 à 10 chiffres)',
    'directory.bad-password-hash':
      'ce n’est pas une empreinte de mot de passe exportée par renvoi (domaine « {realm} »)',
    'directory.bad-pin-hash': 'ce n’est pas une empreinte de code exportée par renvoi',
    'directory.bad-email': '« {value} » n’est pas une adresse e-mail (ex. alice@exemple.fr)',
    'directory.delete-without-email':
      'effacer les messages après envoi demande une adresse e-mail : sans elle, ils seraient perdus',
    'directory.bad-sealed':
      'ce n’est pas un mot de passe chiffré exporté par renvoi (saisissez le mot de passe en clair)',
    'directory.bad-host': '« {value} » n’est pas un nom d’hôte ni une adresse IP',
    'directory.bad-did': '« {value} » n’est pas un numéro de téléphone',
    'directory.duplicate-did': '« {value} » est le même numéro ({did}) qu’une autre entrée',
    'directory.credentials-pair':
      'username et password vont ensemble : donnez les deux (trunk qui s’enregistre) ou aucun',
    'directory.duplicate-number': 'le numéro « {value} » est déjà utilisé par {first}',
    'directory.too-many-exceptions': '{count} exceptions, au plus {max} par extension',
    'directory.empty-members': 'un groupe doit avoir au moins un membre',
    'directory.unknown-extension': 'l’extension « {value} » n’existe pas',
    'directory.unknown-destination': '« {value} » n’est ni une extension ni un groupe',
    'directory.bad-phone-number': '« {value} » n’est pas un numéro de téléphone',
    'directory.outbound-refused':
      '« {value} » ({class:trace.reason}) est refusé par la politique d’appels sortants',
    'directory.mailbox-required':
      'la messagerie d’un groupe doit nommer la boîte d’une extension (mailbox)',
    'directory.group-no-mobile': 'un groupe n’a pas de mobile ; utilisez un numéro externe',
    'directory.mobile-without-number':
      'l’extension {extension} n’a pas de numéro de mobile : renseignez « mobile » d’abord',
    'directory.forward-to-self': 'renvoi de « {value} » vers lui-même',
    'directory.target-is-group': '« {value} » est un groupe : utilisez une action « system »',
    'directory.group-no-bounce': 'le rebond finit dans une messagerie, qu’un groupe n’a pas',
    'directory.target-is-extension':
      '« {value} » est une extension : utilisez une action « extension »',
    'directory.unknown-group': 'le groupe « {value} » n’existe pas',
    'directory.too-many': '{count} entrées, au plus {max}',
    'directory.too-long': 'trop long (au plus {max})',
    'directory.bad-contact-number': '« {value} » n’est pas un numéro de téléphone',
    'directory.bad-group-name':
      '« {value} » n’est pas un nom de groupe (un mot : lettres, chiffres, - _ .)',
    'directory.periods-required': 'hours: {hours} demande des périodes (periods)',
    'directory.periods-not-allowed':
      'des périodes ne s’appliquent qu’avec hours: specific ou outside-specific, pas {hours}',
    'directory.no-office-hours':
      'hours: {hours} suppose des heures de bureau : renseignez officeHours',
    'directory.duplicate-status': 'le statut « {value} » figure deux fois',
    'directory.cannot-read': 'impossible de lire {file} : {reason}',
    'directory.syntax': 'syntaxe : {reason}',
    'directory.problem-count': '{count} problème(s) : rien n’a été importé',
    'directory.imported':
      'importé : {extensions} extension(s), {exceptions} exception(s), {groups} groupe(s), {trunks} trunk(s)',
    'directory.passwords-set':
      'mots de passe remplacés par ceux du document : {extensions} (les autres extensions gardent le leur)',
    'directory.password-generated':
      'nouvelle extension {extension} sans mot de passe dans le document : mot de passe {password}',
  },
  en: {
    'directory.not-object': 'expected a mapping of keys to values here, not {value}',
    'directory.unknown-key': 'unknown key "{key}" (known keys: {allowed})',
    'directory.unknown-key-suggest': 'unknown key "{key}"; did you mean "{suggestion}"?',
    'directory.not-list': 'expected a list here, not {value}',
    'directory.required': 'required',
    'directory.not-string': 'expected text here, not {value}',
    'directory.empty': 'must not be empty',
    'directory.quote-it':
      'write it in quotes: YAML reads {value} as a number, which loses a leading 0',
    'directory.not-integer': 'expected a whole number here, not {value}',
    'directory.out-of-range': '{value} is out of range ({min} to {max})',
    'directory.not-boolean': 'expected true or false here, not {value}',
    'directory.not-one-of': '{value} is not one of {allowed}',
    'directory.bad-extension-number': '"{value}" is not an extension number (2 to 6 digits)',
    'directory.key-not-for-action': 'key "{key}" does not apply to a "{type}" action',
    'directory.bad-country': '"{value}" is not a known country code (e.g. FR, BE, CH)',
    'directory.bad-timezone': '"{value}" is not an IANA time zone (e.g. Europe/Paris)',
    'directory.duplicate': '"{value}" appears twice',
    'directory.bad-date': '"{value}" is not a YYYY-MM-DD date',
    'directory.bad-validity':
      '"{value}" is neither a YYYY-MM-DD date nor a YYYY-MM-DDTHH:MM date-time',
    'directory.validity-empty': 'the end ({until}) must come after the start ({from})',
    'directory.bad-instant':
      '"{value}" is not a YYYY-MM-DDTHH:MM date-time (local time, or with an offset)',
    'directory.schedule-available':
      'a status schedule only plans statuses other than Available, which is the status outside it',
    'directory.password-too-short': 'the password must have at least {min} characters',
    'directory.bad-pin': '"{value}" is not a voicemail PIN (4 to 10 digits)',
    'directory.bad-password-hash': 'not a password hash exported by renvoi (realm "{realm}")',
    'directory.bad-pin-hash': 'not a PIN hash exported by renvoi',
    'directory.bad-email': '"{value}" is not an e-mail address (e.g. alice@example.com)',
    'directory.delete-without-email':
      'deleting messages once sent needs an e-mail address: without one they would be lost',
    'directory.bad-sealed':
      'not an encrypted password exported by renvoi (type the password in clear instead)',
    'directory.bad-host': '"{value}" is neither a host name nor an IP address',
    'directory.bad-did': '"{value}" is not a phone number',
    'directory.duplicate-did': '"{value}" is the same number ({did}) as another entry',
    'directory.credentials-pair':
      'username and password go together: give both (a registering trunk) or neither',
    'directory.duplicate-number': 'number "{value}" is already used by {first}',
    'directory.too-many-exceptions': '{count} exceptions, at most {max} per extension',
    'directory.empty-members': 'a ring group needs at least one member',
    'directory.unknown-extension': 'extension "{value}" does not exist',
    'directory.unknown-destination': '"{value}" is neither an extension nor a ring group',
    'directory.bad-phone-number': '"{value}" is not a phone number',
    'directory.outbound-refused':
      '"{value}" ({class:trace.reason}) is refused by the outbound policy',
    'directory.mailbox-required': 'a ring group’s voicemail must name an extension’s box (mailbox)',
    'directory.group-no-mobile': 'a ring group has no mobile; use an external number',
    'directory.mobile-without-number':
      'extension {extension} has no mobile number: set "mobile" first',
    'directory.forward-to-self': 'forwards "{value}" to itself',
    'directory.target-is-group': '"{value}" is a ring group: use a "system" action',
    'directory.group-no-bounce': 'bounce ends in a voicemail box, which a ring group does not have',
    'directory.target-is-extension': '"{value}" is an extension: use an "extension" action',
    'directory.unknown-group': 'ring group "{value}" does not exist',
    'directory.too-many': '{count} entries, at most {max}',
    'directory.too-long': 'too long (at most {max})',
    'directory.bad-contact-number': '"{value}" is not a phone number',
    'directory.bad-group-name': '"{value}" is not a group name (one word: letters, digits, - _ .)',
    'directory.periods-required': 'hours: {hours} needs periods',
    'directory.periods-not-allowed':
      'periods apply only with hours: specific or outside-specific, not {hours}',
    'directory.no-office-hours': 'hours: {hours} needs office hours: set officeHours',
    'directory.duplicate-status': 'status "{value}" appears twice',
    'directory.cannot-read': 'cannot read {file}: {reason}',
    'directory.syntax': 'syntax: {reason}',
    'directory.problem-count': '{count} problem(s): nothing was imported',
    'directory.imported':
      'imported {extensions} extension(s), {exceptions} exception(s), {groups} ring group(s), {trunks} trunk(s)',
    'directory.passwords-set':
      'passwords replaced by the document’s: {extensions} (the other extensions keep theirs)',
    'directory.password-generated':
      'new extension {extension} has no password in the document: its password is {password}',
  },
};
