// Side rooms: the host ticks some people's tiles and sends them to talk apart; the server then
// forwards media, screens and chat only between people in the same place. The host sees each
// side room with a button to bring its people back; the people in one are told so, and may
// come back themselves.

const $ = (id) => document.getElementById(id);

export function sideRooms({ send, texts }) {
  let host = false;

  function picked() {
    return [...document.querySelectorAll('#tiles [data-pick]:checked')]
      .map((box) => box.closest('[data-person]').dataset.person);
  }

  const open = $('side-open');
  if (open) {
    open.addEventListener('click', () => {
      const ids = picked();
      $('side-error').hidden = ids.length > 0;
      if (ids.length === 0) {
        const first = document.querySelector('#tiles [data-pick]:not(:disabled)');
        if (first) first.focus();
        return;
      }
      send({ type: 'side-room', ids });
    });
  }
  $('side-leave').addEventListener('click', () => {
    send({ type: 'side-room-end', side: Number($('side-banner').dataset.side) });
  });

  return {
    roster(members, me, role) {
      host = role === 'host';
      const mine = members.find((m) => m.id === me);
      // Those here, apart: a banner and the way back.
      const banner = $('side-banner');
      banner.hidden = !mine || mine.side === null;
      banner.dataset.side = mine && mine.side !== null ? String(mine.side) : '';
      if (mine && mine.side !== null) {
        const others = members.filter((m) => m.side === mine.side && m.id !== me).map((m) => m.name);
        banner.querySelector('.side-with').textContent = others.join(', ');
      }
      // The host: who may be picked (in the main room), and the side rooms open.
      for (const item of document.querySelectorAll('#tiles [data-person]')) {
        const box = item.querySelector('[data-pick]');
        const member = members.find((m) => m.id === item.dataset.person);
        if (!box || !member) continue;
        const pickable = member.side === null && member.role !== 'host';
        box.disabled = !pickable;
        if (!pickable) box.checked = false;
      }
      const panel = $('sides');
      if (!panel) return;
      panel.hidden = !host;
      const list = $('side-list');
      list.replaceChildren();
      const numbers = [...new Set(members.filter((m) => m.side !== null).map((m) => m.side))].sort((a, b) => a - b);
      for (const side of numbers) {
        const item = $('side-template').content.firstElementChild.cloneNode(true);
        const names = members.filter((m) => m.side === side).map((m) => m.name).join(', ');
        item.querySelector('.side-name').textContent = `${texts.side} ${side} : ${names}`;
        const back = item.querySelector('button');
        back.setAttribute('aria-label', `${texts.sideReturn} (${texts.side} ${side})`);
        back.addEventListener('click', () => send({ type: 'side-room-end', side }));
        list.append(item);
      }
      $('side-none').hidden = numbers.length > 0;
    },
    invalid() {
      if ($('side-error')) $('side-error').hidden = false;
    },
  };
}
