import type { Catalog } from './catalog.js';

export const patterns: Catalog = {
  fr: {
    'pattern.empty':
      'Indiquez au moins un numéro, un motif (06*) ou un mot (anonyme, interne, externe).',
    'pattern.invalid': '« {part} » n’est pas un motif d’ID d’appelant.',
    'pattern.unknown-word':
      '« {part} » n’est ni un numéro ni un mot connu (anonyme, interne, externe, contacts, annuaire, inconnu, groupe:NOM).',
    'pattern.bad-group':
      '« {part} » : après « groupe: », le nom d’un groupe de contacts, d’un seul mot (lettres, chiffres, - _ .).',
    'pattern.plus': '« {part} » : le signe + ne peut figurer qu’au début d’un numéro.',
    'pattern.too-long': '« {part} » est trop long (au plus {max} chiffres).',
    'pattern.too-many': 'Trop de motifs à partir de « {part} » (au plus {max}).',
    'number.invalid': '« {part} » n’est pas un numéro de téléphone.',
  },
  en: {
    'pattern.empty':
      'Enter at least one number, pattern (06*) or word (anonymous, internal, external).',
    'pattern.invalid': '"{part}" is not a caller-ID pattern.',
    'pattern.unknown-word':
      '"{part}" is neither a number nor a known word (anonymous, internal, external, contacts, phonebook, unknown, group:NAME).',
    'pattern.bad-group':
      '"{part}": after "group:", the name of a contact group, one word (letters, digits, - _ .).',
    'pattern.plus': '"{part}": the + sign may only start a number.',
    'pattern.too-long': '"{part}" is too long (at most {max} digits).',
    'pattern.too-many': 'Too many patterns from "{part}" on (at most {max}).',
    'number.invalid': '"{part}" is not a phone number.',
  },
};
