// A tiny SMTP server on a loopback port for the end-to-end run: it accepts every message (no
// TLS, no authentication — the server is told `smtp_security = none`) and writes each one, as
// received, to a file of `dir` (1.eml, 2.eml…), so a test can read the email a person would get
// (the patient's enrolment invitation and its account link). Nothing leaves the machine.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Starts the sink writing to `dir`; answers its port and a function that stops it. */
export async function startSmtpSink(dir) {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const server = createServer((socket) => {
    let buffer = '';
    let inData = false;
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          count += 1;
          writeFileSync(join(dir, `${count}.eml`), Buffer.from(buffer.slice(0, end), 'latin1'));
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write('250 kept\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') { inData = true; socket.write('354 go on\r\n'); }
        else if (verb === 'QUIT') { socket.end('221 bye\r\n'); return; }
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { port: server.address().port, stop: () => new Promise((done) => server.close(done)) };
}

/** Quoted-printable undone (soft line breaks, =XX), as UTF-8 text. */
function unquote(text) {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The messages received so far, decoded, oldest first: `{ to, text }`. */
export function receivedMail(dir) {
  return readdirSync(dir)
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((name) => {
      const raw = readFileSync(join(dir, name), 'latin1');
      const to = (raw.match(/^To: (.*)$/im) || [, ''])[1].trim();
      return { to, text: unquote(raw) };
    });
}
