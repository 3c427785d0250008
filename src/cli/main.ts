import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseCidr } from '../sip/transport/local-address.js';
import { languageFromLocale } from '../i18n/index.js';
import type { Language } from '../domain/types.js';
import { runImport } from './commands/import.js';
import { runExport } from './commands/export.js';
import { runSimulate } from './commands/simulate.js';
import { runCheck } from './commands/check.js';
import { runStart } from './commands/start.js';
import { runBackup, runRestore } from './commands/backup.js';

const USAGE = `Usage: renvoi <command> [options]

Commands:
  start [--data DIR] [--bind ADDR] [--public-address ADDR] [--local-nets CIDR,...]
        [--sip-port N] [--tls-port N] [--ws-port N] [--wss-port N] [--http-port N]
        [--https-port N] [--tls-cert FILE --tls-key FILE] [--https-redirect]
                                           run the PBX (SIP on UDP and TCP 5060, TLS 5061,
                                           WebSocket 5066, secure WebSocket 5067) and the web
                                           client with its API (HTTP 8080, HTTPS 8443); without
                                           --tls-cert, a self-signed certificate made in DIR.
                                           It listens on every address unless --bind names
                                           one, and gives each phone the address it reaches
                                           the PBX at; --public-address is given to peers
                                           outside --local-nets (default: private networks).
                                           --host ADDR: the same as --bind ADDR
  import FILE [--data DIR]                 apply a directory document (YAML or JSON) in one transaction
  export [--data DIR] [--format yaml|json] print the directory document
  simulate --to EXT --from NUMBER [--at ISO-8601] [--status S] [--data DIR] [--json]
                                           print the routing decision without placing a call
  check [--data DIR] [--json]              list exceptions that can never fire, duplicates,
                                           broken ones and forwarding loops
  backup DIR [--data DIR]                  copy the data (database, voicemail, prompts) to a new
                                           directory DIR, safely while the PBX runs
  restore DIR [--data DIR]                 replace the data with backup DIR (the PBX stopped)

Options:
  --data DIR     data directory (default $RENVOI_DATA or ./data)
  --lang fr|en   language of messages (default from $LANG)
  -h, --help     this help
`;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  env: process.env,
};

/** Runs one `renvoi` command and returns its exit code; never calls process.exit. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        lang: { type: 'string' },
        format: { type: 'string' },
        to: { type: 'string' },
        from: { type: 'string' },
        at: { type: 'string' },
        status: { type: 'string' },
        json: { type: 'boolean', default: false },
        host: { type: 'string' },
        bind: { type: 'string' },
        'public-address': { type: 'string' },
        'local-nets': { type: 'string' },
        'sip-port': { type: 'string' },
        'ws-port': { type: 'string' },
        'http-port': { type: 'string' },
        'tls-port': { type: 'string' },
        'wss-port': { type: 'string' },
        'https-port': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'https-redirect': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.err(`renvoi ${command}: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const dataDir = resolve(values.data ?? io.env.RENVOI_DATA ?? 'data');
  const langOption = values.lang ?? languageFromLocale(io.env.LANG);
  if (langOption !== 'fr' && langOption !== 'en') {
    io.err(`renvoi: --lang must be fr or en, not "${langOption}"`);
    return 2;
  }
  const lang: Language = langOption;
  const { out, err } = io;

  switch (command) {
    case 'import': {
      const [file, ...extra] = positionals;
      if (file === undefined || extra.length > 0) {
        err('renvoi import: name exactly one FILE (YAML or JSON)');
        return 2;
      }
      return runImport({ file: resolve(file), dataDir, lang, out, err });
    }
    case 'export': {
      const format = values.format ?? 'yaml';
      if (format !== 'yaml' && format !== 'json') {
        err(`renvoi export: --format must be yaml or json, not "${format}"`);
        return 2;
      }
      return runExport({ dataDir, format, out, err });
    }
    case 'start': {
      const sipPort = portOf(values['sip-port'] ?? io.env.RENVOI_SIP_PORT ?? '5060');
      const wsPort = portOf(values['ws-port'] ?? io.env.RENVOI_WS_PORT ?? '5066');
      const httpPort = portOf(values['http-port'] ?? io.env.RENVOI_HTTP_PORT ?? '8080');
      const tlsPort = portOf(values['tls-port'] ?? io.env.RENVOI_TLS_PORT ?? '5061');
      const wssPort = portOf(values['wss-port'] ?? io.env.RENVOI_WSS_PORT ?? '5067');
      const httpsPort = portOf(values['https-port'] ?? io.env.RENVOI_HTTPS_PORT ?? '8443');
      if (
        sipPort === null ||
        wsPort === null ||
        httpPort === null ||
        tlsPort === null ||
        wssPort === null ||
        httpsPort === null
      ) {
        err(
          'renvoi start: --sip-port, --tls-port, --ws-port, --wss-port, --http-port and --https-port take a port number from 1 to 65535',
        );
        return 2;
      }
      const certFile = values['tls-cert'] ?? io.env.RENVOI_TLS_CERT;
      const keyFile = values['tls-key'] ?? io.env.RENVOI_TLS_KEY;
      if ((certFile === undefined) !== (keyFile === undefined)) {
        err('renvoi start: --tls-cert and --tls-key go together (a certificate and its key)');
        return 2;
      }
      const addresses = addressOptions(values, io.env);
      if (typeof addresses === 'string') {
        err(`renvoi start: ${addresses}`);
        return 2;
      }
      return runStart({
        dataDir,
        ...addresses,
        sipPort,
        wsPort,
        httpPort,
        tlsPort,
        wssPort,
        httpsPort,
        httpsRedirect: values['https-redirect'] || io.env.RENVOI_HTTPS_REDIRECT === '1',
        ...(certFile === undefined || keyFile === undefined
          ? {}
          : { tlsFiles: { certFile: resolve(certFile), keyFile: resolve(keyFile) } }),
        out,
        err,
      });
    }
    case 'simulate':
      return runSimulate({
        dataDir,
        lang,
        to: values.to,
        from: values.from,
        at: values.at,
        status: values.status,
        json: values.json,
        out,
        err,
      });
    case 'check':
      return runCheck({ dataDir, lang, json: values.json, out, err });
    case 'backup':
    case 'restore': {
      const [target, ...extra] = positionals;
      if (target === undefined || extra.length > 0) {
        err(`renvoi ${command}: name exactly one backup directory`);
        return 2;
      }
      const args = { target: resolve(target), dataDir, out, err };
      return command === 'backup' ? runBackup(args) : runRestore(args);
    }
    default:
      err(`renvoi: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/**
 * Where to listen and what to write (issue 9 §1): `--bind` (or its older name `--host`, which
 * also fixed the written address: a concrete listening address is written as it is), the public
 * address for peers outside the local networks. A string is the error to print.
 */
function addressOptions(
  values: { host?: string; bind?: string; 'public-address'?: string; 'local-nets'?: string },
  env: NodeJS.ProcessEnv,
): { host: string; publicAddress?: string; localNets?: string[] } | string {
  if (values.bind !== undefined && values.host !== undefined) {
    return '--host is the older name of --bind: give one of them';
  }
  const host = values.bind ?? values.host ?? env.RENVOI_BIND ?? env.RENVOI_HOST ?? '0.0.0.0';
  if (isIP(host) === 0) return `--bind takes an IP address (0.0.0.0 for all), not "${host}"`;
  const publicAddress = values['public-address'] ?? env.RENVOI_PUBLIC_ADDRESS;
  if (publicAddress !== undefined && !/^[A-Za-z0-9.:-]+$/.test(publicAddress)) {
    return `--public-address takes an address or a host name, not "${publicAddress}"`;
  }
  const nets = values['local-nets'] ?? env.RENVOI_LOCAL_NETS;
  const localNets = nets?.split(',').map((n) => n.trim());
  const wrong = localNets?.find((n) => parseCidr(n) === null);
  if (wrong !== undefined) {
    return `--local-nets takes CIDR blocks separated by commas (10.0.0.0/8,192.168.1.0/24), not "${wrong}"`;
  }
  return {
    host,
    ...(publicAddress === undefined ? {} : { publicAddress }),
    ...(localNets === undefined ? {} : { localNets }),
  };
}

function portOf(text: string): number | null {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : null;
}
