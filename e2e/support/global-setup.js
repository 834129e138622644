// Starts a Relais server for the suite: a fresh SQLite database in a temporary folder, accounts
// made with the real `relais admin create-user`, a patient record written through the FHIR API
// (her care team, four weeks of measurements, an allergy, a flag, a visit), and the server on a
// free loopback port. What the tests need to know (the URL, the accounts) is
// handed to them in environment variables; the returned function stops the server.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ACCOUNTS, PASSWORD } from './accounts.js';
import { startSmtpSink } from './smtp-sink.js';

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

/** Writes `resource` through the FHIR API with `token`; answers its id. (Tests use it too.) */
export async function create(url, token, resource) {
  const created = await fetch(`${url}/fhir/${resource.resourceType}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  if (created.status !== 201) throw new Error(`${resource.resourceType} not created: ${await created.text()}`);
  return (await created.json()).id;
}

/** A client of the FHIR API as an integration engine is: a system client's token. */
async function fhirClient(env, url) {
  const out = relais(env, ['admin', 'create-client', '--name', 'e2e-setup', '--scope', 'system/*.*']);
  const id = out.match(/client_id: (\S+)/)[1];
  const secret = out.match(/client_secret: (\S+)/)[1];
  const tokenResponse = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = await tokenResponse.json();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' };
  return {
    token,
    create: (resource) => create(url, token, resource),
    async transaction(resources) {
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: resources.map((resource) => ({ resource, request: { method: 'POST', url: resource.resourceType } })),
      };
      const done = await fetch(`${url}/fhir`, { method: 'POST', headers, body: JSON.stringify(bundle) });
      if (done.status !== 200) throw new Error(`transaction refused: ${await done.text()}`);
    },
    async read(path) {
      await fetch(`${url}/fhir/${path}`, { headers });
    },
  };
}

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const VITAL = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }];

/** Four weeks of home measurements, as a telehomecare device would send them. */
export function measurements(subject, now = Date.now()) {
  const quantity = (value, code) => ({ value, unit: code, system: UCUM, code });
  const observation = (when, code, display, extra) => ({
    resourceType: 'Observation',
    status: 'final',
    category: VITAL,
    code: { coding: [{ system: LOINC, code, display }] },
    subject: { reference: subject },
    effectiveDateTime: when,
    ...extra,
  });
  const out = [];
  for (let day = 27; day >= 0; day--) {
    const when = new Date(now - day * 86_400_000 - 3_600_000).toISOString();
    const i = 27 - day;
    out.push(observation(when, '8867-4', 'Heart rate', { valueQuantity: quantity(68 + ((i * 7) % 17) + (i > 24 ? 30 : 0), '/min') }));
    out.push(observation(when, '59408-5', 'Oxygen saturation', { valueQuantity: quantity(98 - ((i * 5) % 4) - (i > 24 ? 3 : 0), '%') }));
    if (i % 2 === 0) {
      out.push(observation(when, '85354-9', 'Blood pressure panel', {
        component: [
          { code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic' }] }, valueQuantity: quantity(124 + ((i * 3) % 14), 'mm[Hg]') },
          { code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic' }] }, valueQuantity: quantity(76 + ((i * 5) % 11), 'mm[Hg]') },
        ],
      }));
      out.push(observation(when, '8310-5', 'Body temperature', { valueQuantity: quantity(Math.round((36.6 + ((i * 3) % 8) / 10) * 10) / 10, 'Cel') }));
      out.push(observation(when, '29463-7', 'Body weight', { valueQuantity: quantity(Math.round((71.5 + i * 0.08) * 10) / 10, 'kg') }));
    }
  }
  return out;
}

/**
 * A Mosquitto broker for the devices' readings: RELAIS_E2E_MQTT_URL's if given, else one of our
 * own on a free loopback port (the tests may run in a network namespace of their own, where the
 * machine's broker is out of reach). Answers its URL and a function that stops ours.
 */
async function broker() {
  if (process.env.RELAIS_E2E_MQTT_URL) return { url: process.env.RELAIS_E2E_MQTT_URL, stop: async () => {} };
  const port = await freePort();
  const mosquitto = spawn('mosquitto', ['-p', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((done) => {
      const socket = connect(port, '127.0.0.1', () => { socket.end(); done(true); });
      socket.once('error', () => done(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      mosquitto.kill('SIGTERM');
      await new Promise((r) => mosquitto.once('exit', r));
    },
  };
}

export default async function globalSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'relais-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const mqtt = await broker();
  // Email goes to a sink of ours: a test reads the patient's enrolment invitation there.
  const mailDir = join(dir, 'mail');
  const smtp = await startSmtpSink(mailDir);
  const topicPrefix = `relais-e2e/${port}`;
  const env = {
    ...process.env,
    RELAIS_DATA_DIR: join(dir, 'data'),
    RELAIS_BIND: `127.0.0.1:${port}`,
    RELAIS_PUBLIC_URL: url,
    RELAIS_LOG_LEVEL: process.env.E2E_LOG_LEVEL || 'warn',
    // Every test signs in several times from the same address.
    RELAIS_SIGN_IN_ATTEMPTS_PER_MINUTE: '0',
    // The tests write through the API with the setup's token for the whole run.
    RELAIS_ACCESS_TOKEN_LIFETIME_SECS: '3600',
    // Home devices publish their readings to this broker (the triage test).
    RELAIS_MQTT_URL: mqtt.url,
    RELAIS_MQTT_TOPIC_PREFIX: topicPrefix,
    // No monitoring scheduler: its missing-data and NEWS2 runs over the chart's weeks of vitals
    // would raise alerts at moments of its own, and the queue and triage tests count items.
    // (It is tested with an injected clock in relais-app's monitoring_batch tests.)
    RELAIS_MONITORING_TICK_SECS: '0',
    RELAIS_SMTP_HOST: '127.0.0.1',
    RELAIS_SMTP_PORT: String(smtp.port),
    RELAIS_SMTP_SECURITY: 'none',
  };
  // RELAIS_BIN names the binary to test; the server would take it for a setting and refuse it.
  delete env.RELAIS_BIN;
  relais(env, ['migrate']);
  const server = spawn(binary, ['serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  await waitUntilReady(url, server);

  const fhir = await fhirClient(env, url);
  const patientId = await fhir.create({
    resourceType: 'Patient',
    identifier: [{ system: 'https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id', value: 'GAGL48531401' }],
    name: [{ use: 'official', family: 'Gagné', given: ['Léa'] }],
    gender: 'female',
    birthDate: '1948-03-14',
  });
  const subject = `Patient/${patientId}`;
  const members = [];
  const practitioners = {};
  let homecarePatient = null;
  const homecareMembers = [];
  for (const account of ACCOUNTS) {
    const args = ['admin', 'create-user', '--email', account.email, '--name', account.name, '--role', account.role];
    if (account.ownRecord) args.push('--patient-id', patientId);
    if (account.record) {
      const [given, family] = account.name.split(' ');
      const own = await fhir.create({ resourceType: 'Patient', name: [{ family, given: [given] }] });
      if (account.key === 'homecarePatient') homecarePatient = own;
      args.push('--patient-id', own);
    }
    if (account.careTeam || account.practitioner || account.homecare) {
      const [given, family] = account.name.split(' ');
      const practitioner = await fhir.create({ resourceType: 'Practitioner', name: [{ family, given: [given] }] });
      practitioners[account.key] = practitioner;
      args.push('--practitioner-id', practitioner);
      if (account.careTeam) members.push({ member: { reference: `Practitioner/${practitioner}` } });
      if (account.homecare) homecareMembers.push({ member: { reference: `Practitioner/${practitioner}` } });
    }
    relais(env, args, `${PASSWORD}\n`);
  }
  await fhir.create({ resourceType: 'CareTeam', status: 'active', subject: { reference: subject }, participant: members });
  await fhir.create({
    resourceType: 'CareTeam', status: 'active', subject: { reference: `Patient/${homecarePatient}` }, participant: homecareMembers,
  });
  await fhir.transaction([
    ...measurements(subject),
    { resourceType: 'AllergyIntolerance', patient: { reference: subject }, code: { text: 'Pénicilline' }, criticality: 'high' },
    { resourceType: 'Flag', status: 'active', subject: { reference: subject }, code: { text: 'Risque de chute' } },
    {
      resourceType: 'Encounter',
      status: 'finished',
      subject: { reference: subject },
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' },
      type: [{ text: 'Téléconsultation de suivi' }],
      period: { start: new Date(Date.now() - 10 * 86_400_000).toISOString() },
    },
  ]);

  // Léa's portal: a video follow-up in three days with her nurse, and a message from her.
  const soon = new Date(Date.now() + 3 * 86_400_000);
  soon.setUTCHours(15, 0, 0, 0);
  const nurse = `Practitioner/${practitioners['queue-nurse-a']}`;
  await fhir.create({
    resourceType: 'Appointment',
    status: 'booked',
    description: 'Suivi en oncologie (vidéo)',
    start: soon.toISOString(),
    end: new Date(soon.getTime() + 30 * 60_000).toISOString(),
    participant: [
      { actor: { reference: subject }, status: 'accepted' },
      { actor: { reference: nurse }, status: 'accepted' },
    ],
  });
  await fhir.create({
    resourceType: 'Communication',
    status: 'completed',
    sent: new Date().toISOString(),
    subject: { reference: subject },
    sender: { reference: nurse },
    payload: [{ contentString: 'N’oubliez pas votre pesée du matin.' }],
  });

  // Léa follows the heart-failure program since yesterday, with a scale lent to her: its token
  // lets the triage test publish readings as the device.
  await fhir.create({
    resourceType: 'CarePlan',
    status: 'active',
    intent: 'plan',
    instantiatesUri: ['urn:relais:program:heart-failure'],
    subject: { reference: subject },
    period: { start: new Date(Date.now() - 86_400_000).toISOString() },
  });
  const device = await fhir.create({ resourceType: 'Device', status: 'active', serialNumber: 'HF-SCALE-0007' });
  await fhir.create({
    resourceType: 'DeviceUseStatement',
    status: 'active',
    subject: { reference: subject },
    device: { reference: `Device/${device}` },
  });
  const issued = relais(env, ['device', 'token', 'issue', '--device', device, '--label', 'balance de Léa']);
  process.env.RELAIS_E2E_DEVICE_TOKEN = issued.match(/token: (\S+)/)[1];
  process.env.RELAIS_E2E_DEVICE_TOPIC = `${topicPrefix}/${device}/readings`;
  process.env.RELAIS_E2E_MQTT_PORT = new URL(mqtt.url.replace('mqtt:', 'http:')).port || '1883';
  process.env.RELAIS_E2E_MQTT_HOST = new URL(mqtt.url.replace('mqtt:', 'http:')).hostname;

  // Read it once, last (the newest line of the trail), so the patient's "who accessed my
  // record" shows a system read on its first page.
  await fhir.read(`Patient/${patientId}`);

  process.env.RELAIS_E2E_URL = url;
  // For measurements of the server's own CPU (tests/video-measure.spec.js).
  process.env.RELAIS_E2E_SERVER_PID = String(server.pid);
  process.env.RELAIS_E2E_PATIENT_ID = patientId;
  process.env.RELAIS_E2E_TOKEN = fhir.token;
  process.env.RELAIS_E2E_MAIL_DIR = mailDir;
  return async () => {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await mqtt.stop();
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
