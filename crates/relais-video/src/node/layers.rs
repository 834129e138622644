//! Simulcast on the node: once a second the senders' layers are measured and every receiver's
//! layers chosen again (its estimate or cap may have moved, a layer may have stopped); a
//! receiver that changes its cap is served at once.

use std::time::Instant;

use super::Node;
use crate::peer::LayerTable;
use crate::rooms::PeerId;

impl Node {
    /// Measures the layers sent since the last time and chooses every receiver's.
    pub(super) fn choose_layers(&mut self, now: Instant) {
        let seconds = now.duration_since(self.layers_measured).as_secs_f64();
        self.layers_measured = now;
        let mut table = LayerTable::new();
        for peer in self.peers.values_mut() {
            peer.measure_layers(seconds, &mut table);
        }
        self.table = table;
        let ids: Vec<PeerId> = self.peers.keys().copied().collect();
        for id in ids {
            self.choose_layers_of(id);
        }
    }

    /// Chooses `id`'s layers from the last measurement; asks for the keyframes a switch needs.
    pub(super) fn choose_layers_of(&mut self, id: PeerId) {
        if self.table.is_empty() {
            return;
        }
        let Some(peer) = self.peers.get_mut(&id) else { return };
        let switches = peer.choose_layers(&self.table);
        if peer.estimate.is_some() {
            self.busy.insert(id);
        }
        let now = Instant::now();
        for (origin, mid, rid) in switches {
            if let Some(sender) = self.peers.get_mut(&origin) {
                sender.request_keyframe(mid, Some(rid), now);
                self.busy.insert(origin);
            }
        }
    }
}
