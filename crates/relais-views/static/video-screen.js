// Screen sharing in the call. Sharing adds a screen track (getDisplayMedia) to our one
// RTCPeerConnection on a transceiver of its own: the first time, that needs an offer of ours
// (see `offer` in video.js); afterwards the same transceiver carries each new share, with no
// renegotiation. The server is told which m-line is the screen (`screen`, before the offer that
// adds it) and forwards it to the people where we are, as the stream `p7-screen`; one sharer
// at a time there (`screen-busy`). What others share is shown in the large tile (#stage),
// labelled with who shares.

const $ = (id) => document.getElementById(id);

export function screenSharing({ send, queue, offer, texts, status }) {
  let transceiver = null;  // ours, once we shared
  let display = null;      // our display stream while sharing
  let sharer = null;       // who shares where we are, from the roster: { id, name }
  const received = new Map();  // person id -> their screen track

  const button = $('toggle-screen');
  if (button && !(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia)) button.hidden = true;

  function label() {
    if (!button) return;
    button.textContent = display ? texts.screenStop : texts.screenShare;
    button.setAttribute('aria-pressed', String(Boolean(display)));
  }

  // The large tile: our own screen while we share, else the one shared where we are.
  function render() {
    const stage = $('stage');
    const video = stage.querySelector('video');
    let stream = null;
    let caption = '';
    if (display) {
      stream = display;
      caption = texts.screenMine;
    } else if (sharer && received.has(sharer.id)) {
      stream = new MediaStream([received.get(sharer.id)]);
      caption = texts.screenBy.replace('{name}', sharer.name);
    }
    stage.hidden = !stream;
    const current = video.srcObject;
    const same = current && stream && current.getTracks()[0] === stream.getTracks()[0];
    if (!same) video.srcObject = stream;
    video.setAttribute('aria-label', caption);
    stage.querySelector('figcaption').textContent = caption;
    stage.dataset.sharer = display ? 'me' : (sharer ? sharer.id : '');
  }

  // Our screen stops being sent (we stopped, the browser's own "stop sharing" bar, the server).
  async function release(tell) {
    if (!display) return;
    for (const track of display.getTracks()) track.stop();
    display = null;
    if (transceiver) await transceiver.sender.replaceTrack(null).catch(() => {});
    if (tell) send({ type: 'screen-stop' });
    label();
    render();
  }

  async function start(pc) {
    if (sharer) { status(texts.screenBusy.replace('{name}', sharer.name)); return; }
    let stream;
    try {
      // Called on the click itself: browsers ask for the screen only from a user's gesture.
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      status(texts.screenFailed);
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (!track || !pc) { for (const t of stream.getTracks()) t.stop(); return; }
    track.addEventListener('ended', () => queue(() => release(true)));
    display = stream;
    label();
    render();
    queue(async () => {
      if (!display) return;
      if (transceiver && transceiver.mid) {
        await transceiver.sender.replaceTrack(track);
        send({ type: 'screen', mid: transceiver.mid });
        return;
      }
      transceiver = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      // The server learns which m-line is the screen before the offer that adds it.
      await offer(() => send({ type: 'screen', mid: transceiver.mid }));
    });
  }

  return {
    toggle(pc) {
      if (display) queue(() => release(true));
      else start(pc);
    },
    // A track the server forwards: answers whether it was a screen (`p7-screen`).
    track(event) {
      const stream = event.streams[0];
      const match = stream && /^(p\d+)-screen$/.exec(stream.id);
      if (!match) return false;
      received.set(match[1], event.track);
      render();
      return true;
    },
    roster(members, me) {
      const mine = members.find((m) => m.id === me);
      const here = mine ? mine.side : null;
      const other = members.find((m) => m.screen && m.id !== me && m.side === here);
      sharer = other ? { id: other.id, name: other.name } : null;
      for (const id of [...received.keys()]) {
        if (!members.some((m) => m.id === id && m.screen)) received.delete(id);
      }
      render();
    },
    // The server refused or stopped our share.
    refused(code) {
      if (code === 'screen-busy') status(texts.screenBusy.replace('{name}', sharer ? sharer.name : ''));
      return release(false);
    },
    stopped() {
      status(texts.screenMoved);
      return release(false);
    },
    // The connection is gone (left, dropped): a new one starts without a screen.
    reset() {
      if (display) for (const t of display.getTracks()) t.stop();
      display = null;
      transceiver = null;
      sharer = null;
      received.clear();
      label();
      render();
    },
  };
}
