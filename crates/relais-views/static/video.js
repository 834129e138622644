// The video room page: the device check, then the lobby, then the call. Signalling is JSON over
// the room's WebSocket; media goes to the server's SFU (one RTCPeerConnection). The server makes
// every offer after our first one: one m-line per track of each other person, whose stream id is
// that person's id, so each track lands in its person's tile. We offer again only to add our
// screen (video-screen.js), as the impolite side of "perfect negotiation": an offer of the
// server that crosses ours is ignored; the server gives way, answers ours, and offers again.

import { watchQuality } from './video-quality.js';
import { screenSharing } from './video-screen.js';
import { sideRooms } from './video-sides.js';

const root = document.getElementById('video');
const texts = document.getElementById('video-texts').dataset;
const room = root.dataset.room;
const observe = root.dataset.observe === '1';
const staff = root.dataset.staff === '1';
let iceServers = [];
try { iceServers = JSON.parse(root.dataset.ice || '[]'); } catch { iceServers = []; }

const $ = (id) => document.getElementById(id);
const status = (text) => { $('video-status').textContent = text; };

let local = null;        // our camera and microphone
let socket = null;
let pc = null;
let me = null;           // our id in the room (p7)
let myRole = null;
let audioOn = true;
let videoOn = true;
let closed = false;
let pingTimer = null;
let meter = null;         // the device check's microphone level: { context, timer }
let stopQuality = null;
let rejoin = null;              // our rejoin ticket: back without the lobby after a drop
let retries = 0;
let chain = Promise.resolve();  // signalling handled one message at a time
let nextOffer = null;           // an offer of ours waiting for the last one's answer: its `before`
const streams = new Map();      // person id -> MediaStream received

function show(section) {
  for (const id of ['check', 'lobby', 'call', 'closed']) $(id).hidden = id !== section;
}

function mark(id, ok) {
  const item = $(id);
  if (!item) return;
  item.dataset.state = ok ? 'ok' : 'failed';
  item.querySelector('.result').textContent = ok ? texts.ok : texts.failed;
}

function advise(kind) {
  $('advice').hidden = false;
  $('advice').querySelector(`[data-advice="${kind}"]`).hidden = false;
}

// --- Device check -------------------------------------------------------------------------

async function checkDevices() {
  if (observe) return;
  try {
    local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
  } catch (e) {
    mark('check-camera', false);
    mark('check-mic', false);
    advise(e && e.name === 'NotAllowedError' ? 'camera-denied' : 'camera-missing');
    return;
  }
  $('preview').srcObject = local;
  mark('check-camera', local.getVideoTracks().length > 0);
  watchMicrophone();
}

// The microphone level, from the loudest sample of each frame; a microphone that stays silent
// for five seconds gets advice (muted at the hardware, or the wrong device).
function watchMicrophone() {
  const track = local.getAudioTracks()[0];
  if (!track) { mark('check-mic', false); advise('camera-missing'); return; }
  stopMeter();
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let heard = false;
  const started = Date.now();
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let peak = 0;
    for (const s of samples) peak = Math.max(peak, Math.abs(s));
    $('mic-level').value = Math.min(1, peak * 2);
    if (!heard && peak > 0.01) { heard = true; mark('check-mic', true); }
    if (!heard && Date.now() - started > 5000) { heard = true; mark('check-mic', false); advise('mic-silent'); }
  }, 100);
  meter = { context, timer };
}

// The level is only shown on the device check: its audio graph would keep a thread busy for
// the whole call (a phone's battery; a quarter of a core over four test browsers).
function stopMeter() {
  if (!meter) return;
  clearInterval(meter.timer);
  meter.context.close().catch(() => {});
  meter = null;
}

// The connection test: the server answers, and the browser finds a way to send media (a
// network address of its own, or a relay from the TURN servers).
async function checkNetwork() {
  let ok = false;
  try {
    const answer = await fetch('/healthz', { cache: 'no-store' });
    ok = answer.ok;
    const probe = new RTCPeerConnection({ iceServers });
    probe.createDataChannel('probe');
    const gathered = new Promise((resolve) => {
      probe.onicecandidate = (e) => { if (e.candidate) resolve(true); };
      setTimeout(() => resolve(false), 3000);
    });
    await probe.setLocalDescription(await probe.createOffer());
    ok = ok && await gathered;
    probe.close();
  } catch {
    ok = false;
  }
  mark('check-network', ok);
  if (!ok) advise('network');
}

// --- Signalling ---------------------------------------------------------------------------

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

// "Save data": the server then forwards the others' lowest video layers (their cameras send
// two, see SIMULCAST), about a quarter of the bytes; unticked, what the connection carries.
const SAVE_DATA_KBPS = 300;

function sendReceiveCap() {
  send({ type: 'receive-cap', kbps: $('save-data').checked ? SAVE_DATA_KBPS : null });
}

// Runs `step` after the signalling already queued.
function queue(step) {
  chain = chain.then(step).catch(() => status(texts.error));
}

// An offer of ours (within the queue): `before` runs once our m-lines have their ids, before
// the offer is sent. Only from a stable state: otherwise after the answer we wait for.
async function offer(before) {
  if (!pc) return;
  if (pc.signalingState !== 'stable') { nextOffer = before; return; }
  nextOffer = null;
  await pc.setLocalDescription(await pc.createOffer());
  before();
  send({ type: 'offer', sdp: pc.localDescription.sdp });
}

async function join() {
  $('join').disabled = true;
  // The first offer carries the camera and microphone: wait for them (or for their failure).
  await devicesReady;
  stopMeter();
  status(texts.connecting);
  connect();
  pingTimer = setInterval(() => send({ type: 'ping' }), 10000);
}

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const params = new URLSearchParams();
  if (observe) params.set('observe', '1');
  if (rejoin) params.set('rejoin', rejoin.ticket);
  const query = params.toString() ? `?${params}` : '';
  socket = new WebSocket(`${scheme}://${location.host}/rooms/${encodeURIComponent(room)}/ws${query}`);
  socket.onmessage = (e) => queue(() => receive(JSON.parse(e.data)));
  // After the messages already received: a `closed` message says why better than the close.
  socket.onclose = () => queue(() => lost());
}

// The connection dropped without the server saying why (a network blip): with a ticket still
// good, connect again a few times, the media session anew; otherwise the call is over.
async function lost() {
  if (closed) return;
  if (!rejoin || Date.now() > rejoin.until || retries >= 5) { finish('lost'); return; }
  retries += 1;
  status(texts.reconnecting);
  if (stopQuality) stopQuality();
  if (pc) pc.close();
  pc = null;
  screen.reset();
  await new Promise((resolve) => { setTimeout(resolve, 1000 * retries); });
  connect();
}

async function receive(message) {
  switch (message.type) {
    case 'waiting':
      me = message.you;
      show('lobby');
      status('');
      break;
    case 'admitted':
      me = message.you;
      myRole = message.role;
      show('call');
      $('end').hidden = myRole !== 'host';
      // A reconnection is a new session on the server: it is told again.
      if ($('save-data').checked) sendReceiveCap();
      await startMedia();
      status(texts.inCall);
      break;
    case 'rejoin':
      rejoin = { ticket: message.ticket, until: Date.now() + message.valid_secs * 1000 };
      retries = 0;
      break;
    case 'answer':
      await pc.setRemoteDescription({ type: 'answer', sdp: message.sdp });
      if (nextOffer) await offer(nextOffer);
      break;
    case 'offer':
      // Ours is on its way: the server drops its offer when it gets ours, and offers again.
      if (pc.signalingState !== 'stable') break;
      await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      send({ type: 'answer', sdp: pc.localDescription.sdp });
      break;
    case 'roster':
      renderRoster(message.members, message.waiting);
      screen.roster(message.members, me);
      sides.roster(message.members, me, myRole);
      break;
    case 'screen-stopped':
      await screen.stopped();
      break;
    case 'chat':
      addChat(message.name, message.text);
      break;
    case 'media-changed':
      setAudio(message.audio, false);
      setVideo(message.video, false);
      status(texts.hostMutedYou);
      break;
    case 'closed':
      finish(message.reason);
      break;
    case 'error':
      if (message.code === 'screen-busy') await screen.refused(message.code);
      else if (message.code === 'side-room-invalid') sides.invalid();
      else status(`${texts.error} (${message.code})`);
      break;
    default:
      break;
  }
}

async function startMedia() {
  pc = new RTCPeerConnection({ iceServers });
  const sending = local && !observe ? local.getTracks() : [];
  for (const track of sending) addSending(track);
  // A page that sends nothing (an observer, or no camera and microphone) needs something in its
  // first offer to get a transport: a data channel. Only then: an open channel's association is
  // polled by the server for every packet of the session (a few per cent of its CPU).
  if (sending.length === 0) pc.createDataChannel('relais');
  pc.ontrack = (e) => {
    const stream = e.streams[0];
    if (!stream || screen.track(e)) return;
    streams.set(stream.id, stream);
    // A person back from a side room comes on new m-lines, maybe in the same stream object.
    attach(stream.id, true);
  };
  stopQuality = watchQuality(pc, $('quality'), texts);
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringDone(pc, 2000);
  send({ type: 'offer', sdp: pc.localDescription.sdp });
}

// The camera goes out as two simulcast layers where the browser can: the server forwards to
// each person the one their connection carries (a quarter of the picture at 250 kbit/s, or
// the whole at up to 1.5 Mbit/s). A browser that refuses the encodings sends one stream.
const SIMULCAST = [
  { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 250000 },
  { rid: 'h', maxBitrate: 1500000 },
];

function addSending(track) {
  const init = { direction: 'sendonly', streams: [local] };
  if (track.kind === 'video' && root.dataset.simulcast === '1') {
    try {
      return pc.addTransceiver(track, { ...init, sendEncodings: SIMULCAST });
    } catch (e) {
      // Falls through to a single stream.
    }
  }
  return pc.addTransceiver(track, init);
}

function gatheringDone(connection, wait) {
  if (connection.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    connection.addEventListener('icegatheringstatechange', () => {
      if (connection.iceGatheringState === 'complete') resolve();
    });
    setTimeout(resolve, wait);
  });
}

// --- The call -----------------------------------------------------------------------------

function tile(id) {
  let item = document.querySelector(`#tiles [data-person="${id}"]`);
  if (!item) {
    item = $('tile-template').content.firstElementChild.cloneNode(true);
    item.dataset.person = id;
    for (const button of item.querySelectorAll('[data-action]')) {
      button.addEventListener('click', () => send({ type: button.dataset.action, id }));
    }
    $('tiles').append(item);
  }
  return item;
}

function attach(id, again = false) {
  const item = document.querySelector(`#tiles [data-person="${id}"]`);
  const stream = streams.get(id);
  if (!item || !stream) return;
  const video = item.querySelector('video');
  if (again && video.srcObject === stream) video.srcObject = null;
  if (video.srcObject !== stream) video.srcObject = stream;
}

function renderRoster(members, waiting) {
  const present = new Set();
  for (const member of members) {
    present.add(member.id);
    const item = tile(member.id);
    const mine = member.id === me;
    item.querySelector('.tile-name').textContent = mine ? `${member.name} (${texts.you})` : member.name;
    const state = [];
    if (!member.audio) state.push(texts.muted);
    if (!member.video) state.push(texts.cameraStopped);
    const here = members.find((m) => m.id === me);
    const away = Boolean(here) && member.side !== here.side;
    item.dataset.away = String(away);
    if (away) state.push(member.side === null ? texts.sideMain : texts.sideAway);
    item.querySelector('.tile-state').textContent = state.join(' · ');
    item.querySelector('.tile-controls').hidden = myRole !== 'host' || mine;
    const video = item.querySelector('video');
    if (mine) {
      video.muted = true;
      if (local && video.srcObject !== local) video.srcObject = local;
    } else {
      attach(member.id);
    }
  }
  for (const item of document.querySelectorAll('#tiles [data-person]')) {
    if (!present.has(item.dataset.person)) {
      item.remove();
      streams.delete(item.dataset.person);
    }
  }
  const list = $('waiting');
  list.replaceChildren();
  for (const person of waiting) {
    const item = $('waiting-template').content.firstElementChild.cloneNode(true);
    item.querySelector('.waiting-name').textContent = person.name;
    for (const button of item.querySelectorAll('[data-action]')) {
      button.addEventListener('click', () => send({ type: button.dataset.action, id: person.id }));
    }
    list.append(item);
  }
  $('waiting-room').hidden = myRole !== 'host' || waiting.length === 0;
}

function addChat(name, text) {
  const item = document.createElement('li');
  const who = document.createElement('strong');
  who.textContent = `${name} : `;
  item.append(who, document.createTextNode(text));
  $('chat-log').append(item);
}

function setAudio(on, tell = true) {
  audioOn = on;
  if (local) for (const t of local.getAudioTracks()) t.enabled = on;
  const button = $('toggle-audio');
  if (button) {
    button.textContent = on ? texts.muteSelf : texts.unmuteSelf;
    button.setAttribute('aria-pressed', String(!on));
  }
  if (tell) send({ type: 'set-media', audio: audioOn, video: videoOn });
}

function setVideo(on, tell = true) {
  videoOn = on;
  if (local) for (const t of local.getVideoTracks()) t.enabled = on;
  const button = $('toggle-video');
  if (button) {
    button.textContent = on ? texts.cameraOff : texts.cameraOn;
    button.setAttribute('aria-pressed', String(!on));
  }
  if (tell) send({ type: 'set-media', audio: audioOn, video: videoOn });
}

// The end of the call, whatever ended it: media stops, the reason is shown.
function finish(reason) {
  if (closed) return;
  closed = true;
  clearInterval(pingTimer);
  stopMeter();
  if (stopQuality) stopQuality();
  if (socket) { socket.onclose = null; socket.close(); }
  if (pc) pc.close();
  if (local) for (const t of local.getTracks()) t.stop();
  screen.reset();
  show('closed');
  const shown = document.querySelector(`#closed [data-reason="${reason}"]`) || document.querySelector('#closed [data-reason="lost"]');
  shown.hidden = false;
  status('');
  $('closed').focus();
}

// --- Invitations (staff) --------------------------------------------------------------------

async function invite(event) {
  event.preventDefault();
  $('invite-error').hidden = true;
  // A new link replaces the last one: never leave the previous (maybe already used) on show.
  $('invite-result').hidden = true;
  $('invite-link').value = '';
  const invitee = $('invitee').value.trim();
  const answer = await fetch('/api/invitations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ purpose: 'room', target: `Room/${room}`, invitee, max_uses: 1, valid_for_secs: 86400 }),
  }).catch(() => null);
  if (!answer || !answer.ok) { $('invite-error').hidden = false; return; }
  const body = await answer.json();
  $('invite-link').value = body.link;
  $('invite-result').hidden = false;
  $('invite-link').select();
}

// --- Wiring -------------------------------------------------------------------------------

const devicesReady = checkDevices();
const screen = screenSharing({ send, queue, offer, texts, status });
const sides = sideRooms({ send, texts });

$('join').addEventListener('click', join);
$('leave').addEventListener('click', () => finish('left'));
$('end').addEventListener('click', () => send({ type: 'end' }));
if ($('toggle-audio')) $('toggle-audio').addEventListener('click', () => setAudio(!audioOn));
if ($('toggle-video')) $('toggle-video').addEventListener('click', () => setVideo(!videoOn));
if ($('toggle-screen')) $('toggle-screen').addEventListener('click', () => screen.toggle(pc));
$('save-data').addEventListener('change', sendReceiveCap);
$('chat-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('chat-text').value.trim();
  if (text) send({ type: 'chat', text });
  $('chat-text').value = '';
});
if (staff && $('invite-form')) $('invite-form').addEventListener('submit', invite);
show('check');
checkNetwork();
