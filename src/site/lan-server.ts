/**
 * Node-only: the workshop server (`npm run serve:lan`). Serves the built site over HTTPS with a
 * self-signed certificate, because WebGPU, Cache Storage and crypto.subtle exist only in secure
 * contexts: a student opening http://<teacher's laptop>/ gets none of them, https:// gets all three
 * once the certificate warning is accepted (docs/workshop.md).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import sirv from 'sirv';

/** This machine's IPv4 addresses that others on the network can reach (no loopback, no link-local). */
export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.'))
    .map((a) => a!.address);
}

export interface Certificate {
  key: string;
  cert: string;
  /** The names and addresses it is valid for. */
  names: string[];
}

/**
 * A self-signed certificate for these names and IP addresses, kept in `dir` (key.pem, cert.pem,
 * names.json) and reused while it covers them, so students accept the warning once per workshop,
 * not once per restart. Written atomically; the key is readable by the owner only.
 */
export async function workshopCertificate(dir: string, names: string[]): Promise<Certificate> {
  const wanted = [...new Set(names)].sort();
  const files = { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem'), names: join(dir, 'names.json') };
  if (existsSync(files.key) && existsSync(files.cert) && existsSync(files.names)) {
    try {
      const had = JSON.parse(readFileSync(files.names, 'utf8')) as { names: string[]; notAfter: string };
      if (wanted.every((n) => had.names.includes(n)) && Date.parse(had.notAfter) > Date.now() + 86_400_000) {
        return { key: readFileSync(files.key, 'utf8'), cert: readFileSync(files.cert, 'utf8'), names: had.names };
      }
    } catch {
      // unreadable: make a new one below
    }
  }
  const notAfter = new Date(Date.now() + 365 * 86_400_000);
  const isIp = (n: string) => /^[\d.]+$/.test(n) || n.includes(':');
  const made = await generate([{ name: 'commonName', value: 'FPT Playground workshop' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: wanted.map((n) => (isIp(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })) },
    ],
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const write = (path: string, text: string, mode: number) => {
    writeFileSync(`${path}.tmp`, text, { mode });
    renameSync(`${path}.tmp`, path);
  };
  write(files.key, made.private, 0o600);
  write(files.cert, made.cert, 0o644);
  write(files.names, `${JSON.stringify({ names: wanted, notAfter: notAfter.toISOString() })}\n`, 0o644);
  return { key: made.private, cert: made.cert, names: wanted };
}

/** The names a certificate for this machine should cover: localhost, its host name, its addresses. */
export function machineNames(extra: string[] = []): string[] {
  const host = hostname();
  return ['localhost', '127.0.0.1', host, ...(host.includes('.') ? [] : [`${host}.local`]), ...lanAddresses(), ...extra];
}

/** An HTTPS server for the built site in `dir`, mounted at `base` (`/` redirects there). */
export function createSiteServer(dir: string, base: string, tls: { key: string; cert: string }): Server {
  const files = sirv(dir, { etag: true, dotfiles: false });
  return createServer(tls, (req, res) => {
    const url = req.url ?? '/';
    if (base !== '/' && (url === '/' || url === base.slice(0, -1))) {
      res.writeHead(302, { Location: base }).end();
      return;
    }
    if (!url.startsWith(base)) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    req.url = `/${url.slice(base.length)}`;
    files(req, res, () => void res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found'));
  });
}
