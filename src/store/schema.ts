/**
 * Kysely table types of the SQLite store. JSON columns hold domain values (actions, schedules) as
 * they are in memory; the store never interprets them beyond JSON.parse.
 */
import type { Generated } from 'kysely';

export interface SettingTable {
  key: string;
  /** JSON. */
  value: string;
}

export interface ExtensionTable {
  number: string;
  /** Order of the directory document, kept so that export round-trips. */
  position: number;
  name: string;
  password: string;
  mobile: string | null;
  voicemail_pin: string | null;
  ring_timeout: number;
  status: string;
  language: string;
  role: string;
  /** JSON StatusForwarding. */
  forwarding: string;
  /** JSON TemporaryStatus, or null. */
  temporary_status: string | null;
  /** JSON ScheduledStatus[]. */
  status_schedule: string;
  email: string | null;
  /** 0 or 1. */
  delete_after_email: number;
}

export interface ExceptionTable {
  extension: string;
  position: number;
  /** The text as written; patterns are parsed again on load. */
  caller_id: string;
  hours: string;
  /** JSON WeeklySchedule. */
  periods: string;
  /** JSON Status[]. */
  statuses: string;
  enabled: number;
  /** JSON Action. */
  action: string;
  /** Local date or date-time as written, or null. */
  valid_from: string | null;
  valid_until: string | null;
  /** JSON Repeat, or null. */
  repeat: string | null;
}

export interface RingGroupTable {
  number: string;
  position: number;
  name: string;
  strategy: string;
  timeout: number;
  /** JSON Action. */
  fallback: string;
}

export interface RingGroupMemberTable {
  ring_group: string;
  position: number;
  extension: string;
}

export interface TrunkTable {
  name: string;
  position: number;
  host: string;
  port: number;
  transport: string;
  username: string | null;
  password: string | null;
  number_format: string;
  trusted: number;
  /** A PresentCallerId, or null: the caller's number. */
  present_caller_id: string | null;
  own_numbers_only: number;
}

export interface TrunkInboundTable {
  trunk: string;
  position: number;
  /** Canonical E.164. */
  did: string;
  destination: string;
}

/** One registrar binding (pbx/registrar/bindings.ts), kept so that bindings survive a restart. */
export interface RegistrationsTable {
  aor: string;
  /** Contact URI as the UA wrote it. */
  contact: string;
  /** Epoch ms. */
  expires_at: number;
  q: number | null;
  call_id: string;
  cseq: number;
  instance_id: string | null;
  reg_id: number | null;
  source_protocol: string;
  source_address: string;
  source_port: number;
  user_agent: string | null;
  /** Epoch ms. */
  updated_at: number;
}

/** Named random secrets (digest nonce key…); kept apart from `setting`, which import replaces. */
export interface SecretTable {
  name: string;
  /** Base64. */
  value: string;
  /** Epoch ms. */
  created_at: number;
}

/** One call (store/call-history-repository.ts): its routing decision and how it ended. */
export interface CallHistoryTable {
  id: string;
  /** Epoch ms. */
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  /** Canonical caller: extension number, E.164 (or digits as received), or "anonymous". */
  caller: string;
  caller_name: string | null;
  /** Extension or ring-group number called. */
  called: string;
  /** 0-based index of the exception that fired, or null. */
  exception: number | null;
  /** JSON Action, or null. */
  action: string | null;
  /** JSON Step[]. */
  plan: string;
  /** JSON TraceEntry[]. */
  trace: string;
  /**
   * answered, busy, no-answer, cancelled, failed, unavailable, voicemail, interrupted (the PBX
   * stopped during the call); null while the call lasts.
   */
  outcome: string | null;
  answered_by: string | null;
  final_status: number | null;
  /** trunk, extension or outside (a SIP caller that is neither); null for rows before 0006. */
  source: string | null;
}

/** One voicemail message (pbx/voicemail); its audio is a WAV file under the data directory. */
export interface VoicemailMessageTable {
  id: string;
  /** Extension number of the mailbox. */
  mailbox: string;
  caller_number: string | null;
  caller_name: string | null;
  /** Epoch ms when recording started. */
  received_at: number;
  /** Length of the audio kept; 0 while recording. */
  duration_ms: number;
  /** recording, new or saved. */
  state: string;
  /** Path of the WAV file, relative to the data directory. */
  file: string;
}

/** A voicemail message to send by e-mail (store/voicemail-mail-repository.ts). */
export interface VoicemailMailTable {
  message_id: string;
  recipient: string;
  /** fr or en: the mailbox owner's language when the message was left. */
  language: string;
  /** 0 or 1: the message leaves the mailbox once the mail is delivered. */
  delete_after: number;
  /** JSON: the decision that sent the call to voicemail (exception, plan, trace), or null. */
  decision: string | null;
  /** pending, sent or failed (refused for good by the relay). */
  state: string;
  attempts: number;
  /** Epoch ms: not tried again before. */
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** A mailbox's own greeting, replacing the default one. */
export interface VoicemailGreetingTable {
  mailbox: string;
  /** Path of the WAV file, relative to the data directory. */
  file: string;
  /** Epoch ms. */
  updated_at: number;
}

/** A web session ended early (store/session-revocations.ts). */
export interface SessionRevocationTable {
  /** `session`: one cookie, named by its signature; `extension`: all of an extension's. */
  kind: string;
  /** The cookie's signature, or the extension number. */
  id: string;
  /** For `extension`: sessions issued at or before this (epoch ms) are refused. */
  issued_before: number | null;
  /** Epoch ms after which the row refuses nothing any more. */
  expires_at: number;
}

/** An entry of the phonebook (`owner` null) or of an extension's contacts (issue 13 §2). */
export interface ContactTable {
  owner: string | null;
  position: number;
  name: string;
  /** JSON string[], as written. */
  numbers: string;
  /** JSON string[]. */
  groups: string;
}

/** A music-on-hold track an admin uploaded (store/hold-music-repository.ts). */
export interface HoldMusicTable {
  id: Generated<number>;
  name: string;
  /** Path of the WAV file, relative to the data directory. */
  file: string;
  duration_ms: number;
  /** Epoch ms. */
  added_at: number;
}
/**
 * A dialog of a call that was up at the last checkpoint (pbx/calls/dialog-checkpoint.ts): what a
 * PBX started after a crash needs to send it a BYE.
 */
export interface OpenDialogTable {
  /** Call-ID, local tag and remote tag (sip/dialog `dialogKey`). */
  dialog_key: string;
  /** JSON sip/dialog `DialogSnapshot`. */
  snapshot: string;
  /** JSON transport `Destination`: where the dialog's requests went. */
  destination: string;
  /** Epoch ms of the checkpoint that first saw it. */
  saved_at: number;
}

export interface Database {
  setting: SettingTable;
  extension: ExtensionTable;
  exception: ExceptionTable;
  ring_group: RingGroupTable;
  ring_group_member: RingGroupMemberTable;
  trunk: TrunkTable;
  trunk_inbound: TrunkInboundTable;
  registrations: RegistrationsTable;
  secret: SecretTable;
  call_history: CallHistoryTable;
  hold_music: HoldMusicTable;
  voicemail_message: VoicemailMessageTable;
  voicemail_mail: VoicemailMailTable;
  voicemail_greeting: VoicemailGreetingTable;
  session_revocation: SessionRevocationTable;
  contact: ContactTable;
  open_dialog: OpenDialogTable;
}
