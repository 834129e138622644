// Live work queues: when the server announces that a task changed (server-sent events), each
// queue on the page fetches its rows again and puts them in place — the item a colleague just
// created or claimed appears or moves without a reload. A refresh every minute also keeps the
// "time left" current and catches up after a lost connection. Access is decided again on every
// fetch: an announcement carries nothing but "something changed".

const queues = [...document.querySelectorAll('tbody[data-queue-src]')];
const status = document.getElementById('queue-status');
const REFRESH_EVERY_MS = 60_000;

// The keyboard focus, by element id, so a refresh does not throw it back to the top.
function focusedId() {
  const active = document.activeElement;
  return active && active.id && queues.some((q) => q.contains(active)) ? active.id : null;
}

async function refresh() {
  const keep = focusedId();
  let changed = false;
  for (const queue of queues) {
    const response = await fetch(queue.dataset.queueSrc, { headers: { accept: 'text/html' }, redirect: 'manual' });
    if (response.status !== 200) {
      // Signed out or the session ended: the page itself says what to do.
      window.location.reload();
      return;
    }
    const rows = await response.text();
    if (rows !== queue.innerHTML) {
      queue.innerHTML = rows;
      changed = true;
      const count = queue.closest('section')?.querySelector('h2 .count');
      if (count) count.textContent = `(${queue.querySelectorAll('tr[id^="task-"]').length})`;
    }
  }
  if (keep) document.getElementById(keep)?.focus();
  if (changed && status) status.textContent = status.dataset.updated;
}

// Several announcements in a burst make one refresh.
let pending = null;
function soon() {
  clearTimeout(pending);
  pending = setTimeout(refresh, 100);
}

if (queues.length > 0) {
  // A page whose queue follows other announcements names their stream (the triage dashboard).
  const events = new EventSource(queues[0].dataset.queueEvents || '/queues/events');
  events.addEventListener('change', soon);
  setInterval(refresh, REFRESH_EVERY_MS);
}
