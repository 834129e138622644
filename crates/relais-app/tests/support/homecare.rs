//! The home-care tests' people and shorthands: callers with the grants their identity gives,
//! the monitoring use cases on the default programs, an enrolment, a typed form.

use std::collections::BTreeSet;
use std::sync::Arc;

use relais_access::policy::{Principal, Role};
use relais_app::access::{Caller, Identity, grants_for};
use relais_app::monitoring::Monitoring;
use relais_app::monitoring::enrolment::Enrol;
use relais_clinical::program::Catalog;
use serde_json::Value;

use super::World;

pub const BASE: &str = "http://relais.test/fhir";

pub async fn caller(world: &World, role: Role, identity: Identity) -> Caller {
    let identity = Identity { roles: BTreeSet::from([role]), ..identity };
    let grants = grants_for(world.store.as_ref(), &world.params, &identity).await.unwrap();
    Caller::new(Principal { id: "someone".into(), roles: identity.roles, grants, ..Principal::default() })
}

pub async fn alice(world: &World) -> Caller {
    caller(world, Role::Patient, Identity { patient: Some("alice".into()), ..Identity::default() }).await
}

/// nurse1 is on alice's care team; nurse2 on carol's only.
pub async fn nurse(world: &World, id: &str) -> Caller {
    caller(world, Role::Nurse, Identity { practitioner: Some(id.into()), ..Identity::default() }).await
}

pub async fn search(world: &World, resource_type: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let pairs: Vec<(String, String)> =
        query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let bundle = world.fhir.search(resource_type, &pairs, true, BASE).await.unwrap();
    bundle["entry"].as_array().map(|e| e.iter().map(|x| x["resource"].clone()).collect()).unwrap_or_default()
}

pub fn monitoring(world: &World) -> Monitoring {
    Monitoring::new(world.fhir.clone(), Arc::new(Catalog::defaults().unwrap()))
}

pub fn enrol(program: &str, devices: &[&str]) -> Enrol {
    Enrol {
        patient: "alice".into(),
        program: program.into(),
        devices: devices.iter().map(|d| (*d).to_owned()).collect(),
    }
}

pub fn typed<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
}
