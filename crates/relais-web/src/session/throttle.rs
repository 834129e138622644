//! Throttling of the endpoints that take a password, a code or an email (sign-in, second factor,
//! enrolment confirmation, password reset), per client address: at most N requests a minute,
//! then `429 too-many-attempts` with `Retry-After`. The per-account lock-out stops guessing one
//! account's password; this slows one address trying many accounts, which the lock-out does not
//! see. In memory, per node (behind a proxy every client shares the proxy's address: give the
//! limit room, or limit at the proxy).

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tokio::time::Instant;

use super::handlers::refusal;

const WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered before old ones are forgotten, so a flood of addresses cannot grow the
/// table without bound.
const MAX_ADDRESSES: usize = 10_000;

/// Recent attempts per address.
#[derive(Clone)]
pub(crate) struct Throttle {
    per_minute: usize,
    seen: Arc<Mutex<HashMap<IpAddr, VecDeque<Instant>>>>,
}

impl Throttle {
    /// At most `per_minute` attempts per address (0: no limit).
    pub(crate) fn new(per_minute: u32) -> Self {
        Self { per_minute: per_minute as usize, seen: Arc::default() }
    }

    /// Counts an attempt from `address` at `now`; `Err(wait)` when over the limit.
    fn attempt(&self, address: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_ADDRESSES && !seen.contains_key(&address) {
            seen.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        let times = seen.entry(address).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            times.pop_front();
        }
        if times.len() >= self.per_minute {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }
}

/// The middleware: refuses an address over its limit before the handler runs — as JSON on the
/// `/auth/*` endpoints, as a translated page on the sign-in pages.
pub(crate) async fn limit(State(throttle): State<Throttle>, request: Request, next: Next) -> Response {
    let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if let Some(address) = address
        && let Err(wait) = throttle.attempt(address, Instant::now())
    {
        let mut response = if request.uri().path().starts_with("/auth/") {
            refusal(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts", None)
        } else {
            crate::pages::too_many_attempts(request.headers())
        };
        let seconds = wait.as_secs().max(1).to_string();
        if let Ok(value) = HeaderValue::from_str(&seconds) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_n_attempts_a_minute_and_others_are_not_affected() {
        let throttle = Throttle::new(3);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(throttle.attempt(a, start), Ok(()));
        }
        let wait = throttle.attempt(a, start + Duration::from_secs(20)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        assert_eq!(throttle.attempt(b, start), Ok(()), "another address");
        assert_eq!(throttle.attempt(a, start + Duration::from_secs(60)), Ok(()), "a minute later");
        assert_eq!(Throttle::new(0).attempt(a, start), Ok(()), "0: no limit");
    }
}
