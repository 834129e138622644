// For the video specs: run before a page's own scripts (`context.addInitScript`), it keeps every
// RTCPeerConnection the page makes in `window.__pcs`, where a test reads their getStats().
export const keepConnections = () => {
  window.__pcs = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      window.__pcs.push(this);
    }
  };
};
