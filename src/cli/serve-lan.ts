/**
 * `npm run serve:lan [-- --port 8443 --host 0.0.0.0 --dir dist]`: the teacher's laptop as the
 * workshop server. Serves the built site (`npm run build`, or `npm run site` to include GPT-2's
 * shards) over HTTPS with a self-signed certificate kept in .cert/, on every interface, and prints
 * the addresses to hand out, with a QR code. docs/workshop.md explains the certificate warning.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import qrcode from 'qrcode-terminal';
import { createSiteServer, lanAddresses, machineNames, workshopCertificate } from '../site/lan-server';
import { builtBase } from '../site/site-files';

function fail(message: string): never {
  console.error(`serve:lan: ${message}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: 'string', default: '8443' },
      host: { type: 'string', default: '0.0.0.0' },
      dir: { type: 'string', default: 'dist' },
      'cert-dir': { type: 'string', default: '.cert' },
      name: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  }).values;
} catch (e) {
  fail(`${(e as Error).message}. Options: --port N, --host ADDRESS, --dir DIST, --cert-dir DIR, --name HOSTNAME`);
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be an integer from 1 to 65535, not ${JSON.stringify(args.port)}`);
const dir = resolve(args.dir);
let base: string;
try {
  base = builtBase(dir);
} catch (e) {
  fail((e as Error).message);
}

const tls = await workshopCertificate(resolve(args['cert-dir']), machineNames(args.name));
const server = createSiteServer(dir, base, tls);
server.on('error', (e: NodeJS.ErrnoException) =>
  fail(
    e.code === 'EADDRINUSE'
      ? `port ${port} is in use: choose another with --port`
      : e.code === 'EACCES'
        ? `no permission to listen on port ${port}: use one above 1023`
        : e.message,
  ),
);
server.listen(port, args.host, () => {
  const everywhere = args.host === '0.0.0.0' || args.host === '::';
  const hosts = everywhere ? lanAddresses() : [args.host];
  const urls = hosts.map((h) => `https://${h.includes(':') ? `[${h}]` : h}:${port}${base}`);
  console.log(`Serving ${dir} over HTTPS (self-signed certificate for ${tls.names.join(', ')}).`);
  if (urls.length === 0) console.log(`No network address found: only this machine can open https://localhost:${port}${base}`);
  else {
    console.log('Give students this address (they will see a certificate warning once: docs/workshop.md):');
    for (const u of urls) console.log(`  ${u}`);
    qrcode.generate(urls[0], { small: true }, (code) => console.log(code));
  }
  if (everywhere) console.log(`On this machine: https://localhost:${port}${base}`);
  console.log('Ctrl+C stops the server.');
});
