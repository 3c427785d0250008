import { describe, expect, it } from 'vitest';
import { planSentence } from '../../src/i18n/plan-sentence.js';
import type { SentenceContext } from '../../src/i18n/plan-sentence.js';
import type { Step } from '../../src/domain/types.js';

const alice: SentenceContext = { extension: '101', mobile: '+33611223344', country: 'FR' };

const bounce: Step[] = [
  { do: 'announce', prompt: 'locating', extension: '101' },
  { do: 'dial', number: '+33611223344', presentation: 'anonymous', timeout: 20 },
  { do: 'announce', prompt: 'unavailable' },
  { do: 'voicemail', mailbox: '101' },
];

describe('planSentence', () => {
  it('tells the guide’s bounce to the mobile as the issue writes it', () => {
    expect(planSentence('fr', { exception: 1, plan: bounce }, alice)).toBe(
      'Exception 2 : l’appelant entend « Veuillez patienter pendant que nous localisons 101 », votre mobile sonne en numéro privé pendant 20 s, puis la messagerie vocale du 101.',
    );
    expect(planSentence('en', { exception: 1, plan: bounce }, alice)).toBe(
      'Exception 2: the caller hears "Please hold while we locate 101", your mobile rings from a private number for 20 s, then the voicemail of 101.',
    );
  });

  it('rings the user’s own phone, then its voicemail, when no exception applies', () => {
    const plan: Step[] = [
      { do: 'ring', extensions: ['101'], timeout: 25 },
      { do: 'voicemail', mailbox: '101' },
    ];
    expect(planSentence('fr', { exception: null, plan }, alice)).toBe(
      'Aucune exception ne s’applique : votre poste sonne pendant 25 s, puis la messagerie vocale du 101.',
    );
    expect(planSentence('en', { exception: null, plan }, alice)).toBe(
      'No exception applies: your phone rings for 25 s, then the voicemail of 101.',
    );
  });

  it('says when the status came from a "until" or the schedule (issue 13 §6)', () => {
    const plan: Step[] = [{ do: 'voicemail', mailbox: '101' }];
    const until = Date.parse('2026-12-03T14:00:00+01:00');
    const temporary = {
      exception: null,
      plan,
      trace: [
        {
          code: 'status-until' as const,
          extension: '101',
          status: 'dnd' as const,
          statusUntil: until,
        },
      ],
    };
    expect(planSentence('fr', temporary, { ...alice, timeZone: 'Europe/Paris' })).toBe(
      'Aucune exception ne s’applique ; statut Ne pas déranger jusqu’au jeudi 3 décembre à 14:00 : la messagerie vocale du 101.',
    );
    const scheduled = {
      exception: null,
      plan,
      trace: [{ code: 'status-scheduled' as const, extension: '101', status: 'lunch' as const }],
    };
    expect(planSentence('en', scheduled, alice)).toBe(
      'No exception applies; status Lunch from the schedule: the voicemail of 101.',
    );
  });

  it('names another extension, and a ring group’s members together', () => {
    const one: Step[] = [{ do: 'ring', extensions: ['100'], timeout: 20 }];
    const many: Step[] = [{ do: 'ring', extensions: ['100', '102'], timeout: 30 }];
    expect(planSentence('fr', { exception: 0, plan: one }, alice)).toBe(
      'Exception 1 : le poste 100 sonne pendant 20 s.',
    );
    expect(planSentence('en', { exception: 0, plan: one }, alice)).toBe(
      'Exception 1: extension 100 rings for 20 s.',
    );
    expect(planSentence('fr', { exception: 0, plan: many }, alice)).toBe(
      'Exception 1 : les postes 100, 102 sonnent ensemble pendant 30 s.',
    );
    expect(planSentence('en', { exception: 0, plan: many }, alice)).toBe(
      'Exception 1: extensions 100, 102 ring together for 30 s.',
    );
  });

  it('dials an external number showing the caller, with no limit', () => {
    const plan: Step[] = [
      { do: 'dial', number: '+33442930698', presentation: 'caller', timeout: null },
    ];
    expect(planSentence('fr', { exception: 0, plan }, alice)).toBe(
      'Exception 1 : le 04 42 93 06 98 sonne avec le numéro de l’appelant, sans limite de durée (sa propre messagerie prend l’appel s’il ne répond pas).',
    );
    expect(planSentence('en', { exception: 0, plan }, alice)).toBe(
      "Exception 1: 04 42 93 06 98 rings showing the caller's number, with no time limit (its own voicemail answers if nobody does).",
    );
  });

  it('dials from a private number with no time limit', () => {
    const plan: Step[] = [
      { do: 'dial', number: '+33442930698', presentation: 'anonymous', timeout: null },
    ];
    expect(planSentence('fr', { exception: 2, plan }, alice)).toBe(
      'Exception 3 : le 04 42 93 06 98 sonne en numéro privé, sans limite de durée.',
    );
    expect(planSentence('en', { exception: 2, plan }, alice)).toBe(
      'Exception 3: 04 42 93 06 98 rings from a private number, with no time limit.',
    );
  });

  it('says the unavailable prompt when no voicemail follows it', () => {
    const plan: Step[] = [{ do: 'announce', prompt: 'unavailable' }, { do: 'busy' }];
    expect(planSentence('fr', { exception: 0, plan }, alice)).toBe(
      'Exception 1 : l’appelant entend « Utilisateur indisponible, redirection vers la boîte vocale », puis l’appelant entend la tonalité occupé.',
    );
    expect(planSentence('en', { exception: 0, plan }, alice)).toBe(
      'Exception 1: the caller hears "User unavailable, transferring to voicemail", then the caller hears a busy tone.',
    );
  });

  it('sends busy, and says so when the plan is empty', () => {
    expect(planSentence('fr', { exception: 0, plan: [{ do: 'busy' }] }, alice)).toBe(
      'Exception 1 : l’appelant entend la tonalité occupé.',
    );
    expect(planSentence('en', { exception: 0, plan: [{ do: 'busy' }] }, alice)).toBe(
      'Exception 1: the caller hears a busy tone.',
    );
    expect(planSentence('fr', { exception: null, plan: [] }, alice)).toBe(
      'Aucune exception ne s’applique : l’appel est refusé.',
    );
    expect(planSentence('en', { exception: null, plan: [] }, alice)).toBe(
      'No exception applies: the call is refused.',
    );
  });

  it('does not call a number "your mobile" when the user has none', () => {
    const plan: Step[] = [
      { do: 'dial', number: '+33611223344', presentation: 'anonymous', timeout: 20 },
    ];
    const noMobile = { ...alice, mobile: null };
    expect(planSentence('en', { exception: 0, plan }, noMobile)).toBe(
      'Exception 1: 06 11 22 33 44 rings from a private number for 20 s.',
    );
  });
});
