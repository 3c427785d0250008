import type { Catalog } from './catalog.js';

export const check: Catalog = {
  fr: {
    'check.clean': 'Aucun problème : chaque exception peut s’appliquer et aucun renvoi ne boucle.',
    'check.count': '{count} problème(s) trouvé(s).',
    'check.shadowed':
      '{extension}, exception {exception} (« {callerId} ») ne s’appliquera jamais : l’exception {by} (« {byCallerId} ») prend tous ces appels avant elle.',
    'check.duplicate':
      '{extension}, exception {exception} (« {callerId} ») répète l’exception {by} (« {byCallerId} »).',
    'check.broken': '{extension}, exception {exception} est cassée : {reason}.',
    'check.expired':
      '{extension}, exception {exception} (« {callerId} ») a expiré : elle valait jusqu’au {until} ; supprimez-la ou changez ses dates.',
    'check.repeat-shadowed':
      '{extension}, exception {exception} (« {callerId} », appels répétés) ne s’appliquera jamais : l’exception {by} (« {byCallerId} ») prend ces appels avant elle ; placez-la avant.',
    'check.repeat-shadowed-in':
      '{extension}, exception {exception} (« {callerId} », appels répétés) ne s’appliquera jamais en statut {statuses} : l’exception {by} (« {byCallerId} ») prend ces appels avant elle ; placez-la avant.',
    'check.broken-forwarding': '{extension}, renvoi « {forwarding} » cassé : {reason}.',
    'check.never': '{extension}, exception {exception} ne s’appliquera jamais : {reason}.',
    'check.loop': 'Boucle de renvois : {cycle}.',
    'check.foreign-caller-id':
      '{extension}, exception {exception} (« {callerId} ») renvoie l’appel avec le numéro de l’appelant par le trunk {trunk}, qui n’accepte que ses propres numéros : l’opérateur refusera l’appel ; présentez le numéro de l’entreprise, celui du poste ou un numéro privé.',
    'check.no-relay':
      'Messagerie par e-mail : {extensions} ont une adresse e-mail, mais aucun serveur SMTP n’est configuré (smtp) ; leurs messages vocaux ne partent pas.',
    'check.reason.no-office-hours': 'aucune heure de bureau n’est définie',
    'check.reason.no-periods': 'aucune plage horaire n’est définie',
    'check.reason.no-contacts': 'elle vise vos contacts, et vous n’en avez aucun',
    'check.reason.empty-phonebook': 'elle vise l’annuaire de l’entreprise, qui est vide',
    'check.reason.empty-group': 'aucun contact n’est dans le groupe qu’elle vise',
    'check.forwarding.noAnswer': 'pas de réponse',
    'check.forwarding.busy': 'occupé ou non connecté',
    'check.forwarding.away': 'absent',
    'check.forwarding.dnd': 'ne pas déranger',
    'check.forwarding.lunch': 'déjeuner',
    'check.forwarding.business-trip': 'déplacement professionnel',
  },
  en: {
    'check.clean': 'No problem: every exception can fire and no forwarding loops.',
    'check.count': '{count} problem(s) found.',
    'check.shadowed':
      '{extension}, exception {exception} ("{callerId}") can never fire: exception {by} ("{byCallerId}") takes all those calls first.',
    'check.duplicate':
      '{extension}, exception {exception} ("{callerId}") repeats exception {by} ("{byCallerId}").',
    'check.broken': '{extension}, exception {exception} is broken: {reason}.',
    'check.expired':
      '{extension}, exception {exception} ("{callerId}") has expired: it was valid until {until}; delete it or change its dates.',
    'check.repeat-shadowed':
      '{extension}, exception {exception} ("{callerId}", repeat caller) can never fire: exception {by} ("{byCallerId}") takes those calls first; move it above.',
    'check.repeat-shadowed-in':
      '{extension}, exception {exception} ("{callerId}", repeat caller) can never fire in status {statuses}: exception {by} ("{byCallerId}") takes those calls first; move it above.',
    'check.broken-forwarding': '{extension}, "{forwarding}" forwarding is broken: {reason}.',
    'check.never': '{extension}, exception {exception} can never fire: {reason}.',
    'check.loop': 'Forwarding loop: {cycle}.',
    'check.foreign-caller-id':
      "{extension}, exception {exception} (\"{callerId}\") forwards the call showing the caller's number through trunk {trunk}, which only accepts its own numbers: the carrier will refuse it; show the company's number, the extension's or a private number.",
    'check.no-relay':
      'Voicemail by e-mail: {extensions} have an e-mail address, but no SMTP server is configured (smtp); their voicemail messages are not sent.',
    'check.reason.no-office-hours': 'no office hours are set',
    'check.reason.no-periods': 'no time periods are set',
    'check.reason.no-contacts': 'it names your contacts, and you have none',
    'check.reason.empty-phonebook': 'it names the company phonebook, which is empty',
    'check.reason.empty-group': 'no contact is in the group it names',
    'check.forwarding.noAnswer': 'no answer',
    'check.forwarding.busy': 'busy or not registered',
    'check.forwarding.away': 'away',
    'check.forwarding.dnd': 'do not disturb',
    'check.forwarding.lunch': 'lunch',
    'check.forwarding.business-trip': 'business trip',
  },
};
