/**
 * Music on hold uploaded by an admin: each track's row in the store, its audio a WAV file under
 * the data directory (`hold-music/<uuid>.wav`, 8 kHz 16-bit mono as converted). The tracks play
 * one after the other, in the order they were added; with none, the PBX's own melody plays.
 *
 * A track is converted straight to its final file (the converter renames into place), then its
 * row is written; a failed insert removes the file, so an upload leaves a track whole or nothing.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './database.js';

/** More than a receptionist's playlist; bounds the disk an admin's uploads may take. */
export const MAX_HOLD_TRACKS = 20;

export interface HoldMusicTrack {
  id: number;
  name: string;
  durationMs: number;
  /** Epoch ms. */
  addedAt: number;
}

export class HoldMusicRepository {
  constructor(
    private readonly db: Db,
    /** The data directory: files are stored under it and named relative to it. */
    private readonly dataDir: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async list(): Promise<HoldMusicTrack[]> {
    const rows = await this.db
      .selectFrom('hold_music')
      .select(['id', 'name', 'duration_ms', 'added_at'])
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      durationMs: r.duration_ms,
      addedAt: r.added_at,
    }));
  }

  /** The tracks' files in playing order (absolute); a file an admin removed is left out. */
  async files(): Promise<string[]> {
    const rows = await this.db.selectFrom('hold_music').select('file').orderBy('id').execute();
    return rows.map((r) => join(this.dataDir, r.file)).filter((path) => existsSync(path));
  }

  /** The absolute file of a track, or null when there is none of that id. */
  async fileOf(id: number): Promise<string | null> {
    const row = await this.db
      .selectFrom('hold_music')
      .select('file')
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? null : join(this.dataDir, row.file);
  }

  /** Where the next upload is converted to (its folder made): give it to `add` once it is there. */
  newFile(): { file: string; path: string } {
    mkdirSync(join(this.dataDir, 'hold-music'), { recursive: true });
    const file = join('hold-music', `${randomUUID()}.wav`);
    return { file, path: join(this.dataDir, file) };
  }

  /** The converted `file` becomes a track; the file is removed if its row cannot be written. */
  async add(name: string, file: string, durationMs: number): Promise<HoldMusicTrack> {
    const addedAt = this.clock();
    try {
      const row = await this.db
        .insertInto('hold_music')
        .values({ name, file, duration_ms: durationMs, added_at: addedAt })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: row.id, name, durationMs, addedAt };
    } catch (error) {
      rmSync(join(this.dataDir, file), { force: true });
      throw error;
    }
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('hold_music')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Remove a track (row, then file); false when there was none of that id. */
  async remove(id: number): Promise<boolean> {
    const row = await this.db
      .deleteFrom('hold_music')
      .where('id', '=', id)
      .returning('file')
      .executeTakeFirst();
    if (row === undefined) return false;
    rmSync(join(this.dataDir, row.file), { force: true });
    return true;
  }
}
