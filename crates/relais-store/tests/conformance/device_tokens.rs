//! Device tokens (migration 0015): a token reads back by its hash and in its device's list; a
//! second token with the same hash is refused; revoking marks it once and keeps it listed.

use std::sync::Arc;

use relais_store::{DeviceTokenRow, ResourceStore, StoreError};

use crate::support::at;

fn token(id: &str, device: &str, hash: &str, seconds: i64) -> DeviceTokenRow {
    DeviceTokenRow {
        id: id.to_owned(),
        device_id: device.to_owned(),
        token_hash: hash.to_owned(),
        label: "Balance, salon".to_owned(),
        created_by: "cli".to_owned(),
        created_at: at(seconds),
        revoked_at: None,
    }
}

pub async fn device_tokens_read_back_list_and_revoke(store: Arc<dyn ResourceStore>) {
    store.create_device_token(&token("t1", "scale-1", "h1", 0)).await.unwrap();
    store.create_device_token(&token("t2", "scale-1", "h2", 5)).await.unwrap();
    store.create_device_token(&token("t3", "cuff-9", "h3", 1)).await.unwrap();

    assert_eq!(store.device_token_by_hash("h2").await.unwrap(), Some(token("t2", "scale-1", "h2", 5)));
    assert_eq!(store.device_token_by_hash("nope").await.unwrap(), None);
    let ids: Vec<String> =
        store.device_tokens_of("scale-1").await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(ids, ["t1", "t2"], "its own tokens, oldest first");

    let duplicate = store.create_device_token(&token("t4", "cuff-9", "h1", 9)).await;
    assert!(matches!(duplicate, Err(StoreError::Conflict)), "{duplicate:?}");

    assert!(store.revoke_device_token("t1", at(60)).await.unwrap());
    assert!(!store.revoke_device_token("t1", at(90)).await.unwrap(), "revoked once");
    assert!(!store.revoke_device_token("missing", at(90)).await.unwrap());
    let revoked = store.device_token_by_hash("h1").await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(at(60)), "kept, marked revoked at the first revocation");
    assert_eq!(store.device_tokens_of("scale-1").await.unwrap().len(), 2);
}
