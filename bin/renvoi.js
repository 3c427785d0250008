#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

// What renvoi writes (the database, its keys, recordings, uploads) is for its own user only.
process.umask(0o077);
process.exitCode = await main(process.argv.slice(2));
