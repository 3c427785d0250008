import type { Catalog } from './catalog.js';

/**
 * Routing explanations (`trace.<TraceCode>`), their reasons (`trace.reason.*`: broken actions,
 * extension states, number classes) and schedule problems (`schedule.*`). `{exception}` is
 * counted from 1, as users count.
 */
export const trace: Catalog = {
  fr: {
    'trace.exception-matched': '{extension} : l’exception {exception} s’applique',
    'trace.caller-contact.contacts': '{extension} : l’appelant est « {contact} », de vos contacts',
    'trace.caller-contact.phonebook':
      '{extension} : l’appelant est « {contact} », de l’annuaire de l’entreprise',
    'trace.caller-unknown':
      '{extension} : l’appelant n’est ni dans vos contacts ni dans l’annuaire',
    'trace.exception-disabled': '{extension} : exception {exception} ignorée : elle est désactivée',
    'trace.exception-caller-mismatch':
      '{extension} : exception {exception} ignorée : l’appelant ne correspond pas',
    'trace.exception-hours-mismatch':
      '{extension} : exception {exception} ignorée : sa condition horaire ({hours}) n’est pas remplie',
    'trace.exception-status-mismatch':
      '{extension} : exception {exception} ignorée : elle ne vaut pas pour le statut {status}',
    'trace.exception-broken': '{extension} : exception {exception} ignorée : {reason}',
    'trace.exception-not-yet':
      '{extension} : exception {exception} ignorée : elle ne vaut qu’à partir du {from}',
    'trace.exception-expired':
      '{extension} : exception {exception} ignorée : elle a expiré (valable jusqu’au {until})',
    'trace.exception-repeat-mismatch':
      '{extension} : exception {exception} ignorée : {count} appel(s) de ce numéro en {minutes} min, il en faut {calls}',
    'trace.exception-repeat-reached':
      '{extension} : appel n° {count} de ce numéro en {minutes} min (il en faut {calls}) ; appels précédents comptés : {earlier}',
    'trace.outbound-refused':
      '{extension} : exception {exception} ignorée : le {number} ({reason}) est refusé par la politique d’appels sortants',
    'trace.forwarding-broken': '{extension} : renvoi inutilisable : {reason}',
    'trace.outside-no-dial':
      '{extension} : pas de renvoi vers le {number} pour un appelant SIP extérieur non authentifié : messagerie vocale',
    'trace.no-exception': '{extension} : aucune exception ne s’applique',
    'trace.caller-id-presented.caller':
      '{extension} : le renvoi présente le numéro de l’appelant ({number})',
    'trace.caller-id-presented.company':
      '{extension} : le renvoi présente le numéro de l’entreprise ({number})',
    'trace.caller-id-presented.extension':
      '{extension} : le renvoi présente le numéro du poste ({number})',
    'trace.caller-id-presented.anonymous': '{extension} : le renvoi présente un numéro privé',
    'trace.caller-id-presented.none':
      '{extension} : le renvoi n’a aucun numéro à présenter : il part en numéro privé',
    'trace.transferred': 'appel transféré par {extension} vers {target}',
    'trace.status-until':
      '{extension} : statut {status} jusqu’au {statusUntil}, puis de nouveau {after}',
    'trace.status-scheduled': '{extension} : statut {status}, selon son planning de statuts',
    'trace.status-forwarding': '{extension} : renvoi selon le statut ({status}, {reason})',
    'trace.follow-extension': 'renvoi vers l’extension {target}, dont les règles s’appliquent',
    'trace.follow-system': 'renvoi vers l’extension système {target}',
    'trace.loop-detected':
      '{target} a déjà reçu cet appel : boucle de renvois, fin sur la messagerie de la première extension',
    'trace.hop-limit':
      'plus de 5 renvois : {target} n’est pas suivi, fin sur la messagerie de la première extension',
    'trace.unknown-destination': '{target} n’est ni une extension ni une extension système',
    'trace.reason.no-mobile': 'aucun numéro de mobile n’est renseigné',
    'trace.reason.bad-number': 'le numéro n’est pas un numéro de téléphone valide',
    'trace.reason.missing-extension': 'l’extension cible n’existe pas',
    'trace.reason.missing-system': 'l’extension système cible n’existe pas',
    'trace.reason.missing-mailbox': 'la boîte vocale cible n’existe pas',
    'trace.reason.no-mailbox': 'une extension système n’a pas de boîte vocale propre',
    'trace.reason.outbound-refused': 'le numéro est refusé par la politique d’appels sortants',
    'trace.reason.idle': 'libre',
    'trace.reason.busy': 'en communication',
    'trace.reason.offline': 'non connecté',
    'trace.reason.fixed': 'fixe',
    'trace.reason.mobile': 'mobile',
    'trace.reason.toll-free': 'numéro gratuit',
    'trace.reason.shared-cost': 'numéro à coût partagé',
    'trace.reason.premium-rate': 'numéro surtaxé',
    'trace.reason.voip': 'VoIP',
    'trace.reason.international': 'international',
    'trace.reason.other': 'autre',
    'schedule.not-object':
      'attendu : des jours et leurs plages, par exemple { "mon-fri": ["09:00-12:30"] }',
    'schedule.bad-day':
      '« {part} » n’est pas un jour ; jours : mon, tue, wed, thu, fri, sat, sun, ou une plage comme mon-fri',
    'schedule.not-list': 'attendu : une liste de plages horaires, par exemple ["09:00-12:30"]',
    'schedule.not-range': '« {range} » n’est pas une plage horaire HH:MM-HH:MM',
    'schedule.bad-time':
      '« {part} » dans « {range} » n’est pas une heure entre 00:00 et 23:59 (24:00 en fin de plage)',
    'schedule.empty-range': 'la plage « {range} » est vide : son début et sa fin sont identiques',
  },
  en: {
    'trace.exception-matched': '{extension}: exception {exception} fires',
    'trace.caller-contact.contacts': '{extension}: the caller is "{contact}", from your contacts',
    'trace.caller-contact.phonebook':
      '{extension}: the caller is "{contact}", from the company phonebook',
    'trace.caller-unknown': '{extension}: the caller is in neither your contacts nor the phonebook',
    'trace.exception-disabled': '{extension}: exception {exception} skipped: switched off',
    'trace.exception-caller-mismatch':
      '{extension}: exception {exception} skipped: the caller does not match',
    'trace.exception-hours-mismatch':
      '{extension}: exception {exception} skipped: its time condition ({hours}) does not hold',
    'trace.exception-status-mismatch':
      '{extension}: exception {exception} skipped: not for status {status}',
    'trace.exception-broken': '{extension}: exception {exception} skipped: {reason}',
    'trace.exception-not-yet':
      '{extension}: exception {exception} skipped: it only applies from {from}',
    'trace.exception-expired':
      '{extension}: exception {exception} skipped: it has expired (valid until {until})',
    'trace.exception-repeat-mismatch':
      '{extension}: exception {exception} skipped: {count} call(s) from this number in {minutes} min, {calls} needed',
    'trace.exception-repeat-reached':
      '{extension}: call no. {count} from this number in {minutes} min ({calls} needed); earlier calls counted: {earlier}',
    'trace.outbound-refused':
      '{extension}: exception {exception} skipped: {number} ({reason}) is refused by the outbound policy',
    'trace.forwarding-broken': '{extension}: forwarding cannot be used: {reason}',
    'trace.outside-no-dial':
      '{extension}: no forwarding to {number} for an unauthenticated outside SIP caller: voicemail instead',
    'trace.no-exception': '{extension}: no exception applies',
    'trace.caller-id-presented.caller':
      "{extension}: the forward shows the caller's number ({number})",
    'trace.caller-id-presented.company':
      "{extension}: the forward shows the company's number ({number})",
    'trace.caller-id-presented.extension':
      "{extension}: the forward shows the extension's number ({number})",
    'trace.caller-id-presented.anonymous': '{extension}: the forward shows a private number',
    'trace.caller-id-presented.none':
      '{extension}: the forward has no number to show: it goes out as a private number',
    'trace.transferred': 'call transferred by {extension} to {target}',
    'trace.status-until': '{extension}: status {status} until {statusUntil}, then {after} again',
    'trace.status-scheduled': '{extension}: status {status}, from its status schedule',
    'trace.status-forwarding': '{extension}: forwarding by status ({status}, {reason})',
    'trace.follow-extension': 'forwarded to extension {target}, whose own rules apply',
    'trace.follow-system': 'forwarded to system extension {target}',
    'trace.loop-detected':
      '{target} has already had this call: forwarding loop, ending in the first extension’s voicemail',
    'trace.hop-limit':
      'more than 5 forwardings: {target} not followed, ending in the first extension’s voicemail',
    'trace.unknown-destination': '{target} is neither an extension nor a system extension',
    'trace.reason.no-mobile': 'no mobile number is set',
    'trace.reason.bad-number': 'the number is not a valid phone number',
    'trace.reason.missing-extension': 'the target extension does not exist',
    'trace.reason.missing-system': 'the target system extension does not exist',
    'trace.reason.missing-mailbox': 'the target voicemail box does not exist',
    'trace.reason.no-mailbox': 'a system extension has no voicemail box of its own',
    'trace.reason.outbound-refused': 'the number is refused by the outbound policy',
    'trace.reason.idle': 'idle',
    'trace.reason.busy': 'on a call',
    'trace.reason.offline': 'not registered',
    'trace.reason.fixed': 'fixed line',
    'trace.reason.mobile': 'mobile',
    'trace.reason.toll-free': 'toll-free',
    'trace.reason.shared-cost': 'shared-cost',
    'trace.reason.premium-rate': 'premium-rate',
    'trace.reason.voip': 'VoIP',
    'trace.reason.international': 'international',
    'trace.reason.other': 'other',
    'schedule.not-object':
      'expected days and their time ranges, for example { "mon-fri": ["09:00-12:30"] }',
    'schedule.bad-day':
      '"{part}" is not a day; days are mon, tue, wed, thu, fri, sat, sun, or a range such as mon-fri',
    'schedule.not-list': 'expected a list of time ranges, for example ["09:00-12:30"]',
    'schedule.not-range': '"{range}" is not a time range HH:MM-HH:MM',
    'schedule.bad-time':
      '"{part}" in "{range}" is not a time between 00:00 and 23:59 (24:00 as an end)',
    'schedule.empty-range': 'the range "{range}" is empty: it starts where it ends',
  },
};
