// Starts a Relais server for the suite: a fresh SQLite database in a temporary folder, accounts
// made with the real `relais admin create-user`, a patient record written through the FHIR API,
// and the server on a free loopback port. What the tests need to know (the URL, the accounts) is
// handed to them in environment variables; the returned function stops the server.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ACCOUNTS, PASSWORD } from './accounts.js';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.RELAIS_BIN || resolve(here, '../../target/debug/relais');

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function relais(env, args, input) {
  return execFileSync(binary, args, { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

async function waitUntilReady(url, server) {
  for (let i = 0; i < 200; i++) {
    if (server.exitCode !== null) throw new Error(`relais serve exited with ${server.exitCode}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('relais serve did not become ready in 20 s');
}

/** A system client's token, as an integration engine holds one. */
async function systemToken(env, url) {
  const out = relais(env, ['admin', 'create-client', '--name', 'e2e-setup', '--scope', 'system/*.*']);
  const id = out.match(/client_id: (\S+)/)[1];
  const secret = out.match(/client_secret: (\S+)/)[1];
  const response = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return (await response.json()).access_token;
}

/** Writes `resource` through the FHIR API; answers its id. */
export async function create(url, token, resource) {
  const created = await fetch(`${url}/fhir/${resource.resourceType}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  if (created.status !== 201) throw new Error(`${resource.resourceType} not created: ${await created.text()}`);
  return (await created.json()).id;
}

export default async function globalSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'relais-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    RELAIS_DATA_DIR: join(dir, 'data'),
    RELAIS_BIND: `127.0.0.1:${port}`,
    RELAIS_PUBLIC_URL: url,
    RELAIS_LOG_LEVEL: 'warn',
    // Every test signs in several times from the same address.
    RELAIS_SIGN_IN_ATTEMPTS_PER_MINUTE: '0',
    // The tests write through the API with the setup's token for the whole run.
    RELAIS_ACCESS_TOKEN_LIFETIME_SECS: '3600',
  };
  relais(env, ['migrate']);
  const server = spawn(binary, ['serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  await waitUntilReady(url, server);

  const token = await systemToken(env, url);
  const patientId = await create(url, token, {
    resourceType: 'Patient',
    name: [{ family: 'Gagné', given: ['Léa'] }],
    birthDate: '1948-03-14',
  });
  // Read it once, so the patient's "who accessed my record" has a line to show.
  await fetch(`${url}/fhir/Patient/${patientId}`, { headers: { authorization: `Bearer ${token}` } });
  const practitioners = {};
  for (const account of ACCOUNTS.filter((a) => a.practitioner)) {
    const [given, family] = account.practitioner;
    practitioners[account.key] = await create(url, token, { resourceType: 'Practitioner', name: [{ given: [given], family }] });
  }
  // The home-care team following Léa: the two nurses of the queue tests.
  await create(url, token, {
    resourceType: 'CareTeam',
    status: 'active',
    subject: { reference: `Patient/${patientId}` },
    participant: ACCOUNTS.filter((a) => a.careTeam).map((a) => ({ member: { reference: `Practitioner/${practitioners[a.key]}` } })),
  });
  for (const account of ACCOUNTS) {
    const args = ['admin', 'create-user', '--email', account.email, '--name', account.name, '--role', account.role];
    if (account.ownRecord) args.push('--patient-id', patientId);
    if (account.record) {
      const [given, family] = account.record;
      const own = await create(url, token, { resourceType: 'Patient', name: [{ family, given: [given] }] });
      args.push('--patient-id', own);
    }
    if (practitioners[account.key]) args.push('--practitioner-id', practitioners[account.key]);
    relais(env, args, `${PASSWORD}\n`);
  }

  // Léa's portal: a video follow-up in three days with her physician, and a message from her.
  const soon = new Date(Date.now() + 3 * 86400_000);
  soon.setUTCHours(15, 0, 0, 0);
  await create(url, token, {
    resourceType: 'Appointment',
    status: 'booked',
    description: 'Suivi en oncologie (vidéo)',
    start: soon.toISOString(),
    end: new Date(soon.getTime() + 30 * 60_000).toISOString(),
    participant: [
      { actor: { reference: `Patient/${patientId}` }, status: 'accepted' },
      { actor: { reference: `Practitioner/${practitioners['queue-nurse-a']}` }, status: 'accepted' },
    ],
  });
  await create(url, token, {
    resourceType: 'Communication',
    status: 'completed',
    sent: new Date().toISOString(),
    subject: { reference: `Patient/${patientId}` },
    sender: { reference: `Practitioner/${practitioners['queue-nurse-a']}` },
    payload: [{ contentString: 'N’oubliez pas votre pesée du matin.' }],
  });

  process.env.RELAIS_E2E_TOKEN = token;
  process.env.RELAIS_E2E_PATIENT = patientId;
  process.env.RELAIS_E2E_URL = url;
  return async () => {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
}
