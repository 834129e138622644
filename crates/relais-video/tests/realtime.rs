//! `video_realtime_priority`: the node's thread on the kernel's FIFO policy, read back from
//! `/proc` as an operator would (`ps -L -o cls,rtprio`).

#![allow(clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use relais_video::{Sfu, VideoConfig};

#[path = "../benches/support/client.rs"]
mod client;

/// The scheduling policy (0 normal, 1 FIFO) and real-time priority of each `relais-sfu` thread.
fn sfu_threads() -> Vec<(String, u32, u32)> {
    let mut threads = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").expect("proc").flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim() != "relais-sfu" {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).expect("stat");
        // Fields after the command's closing parenthesis start at field 3 (state).
        let fields: Vec<&str> = stat[stat.rfind(')').expect("comm") + 2..].split(' ').collect();
        let number = |field: usize| fields[field - 3].parse::<u32>().expect("a number");
        threads.push((task.file_name().to_string_lossy().into_owned(), number(40), number(41)));
    }
    threads
}

/// Whether this process may use real-time policies (`CAP_SYS_NICE` in its effective set).
fn may_use_realtime() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let caps = status.lines().find_map(|l| l.strip_prefix("CapEff:")).expect("CapEff");
    u64::from_str_radix(caps.trim(), 16).expect("hex") & (1 << 23) != 0
}

#[tokio::test]
async fn the_sfu_thread_runs_real_time_only_when_asked_and_video_starts_either_way() {
    let normal = Sfu::start(&client::loopback_config()).await.expect("the SFU starts");
    let before = sfu_threads();
    assert_eq!(before.len(), 1, "one node thread: {before:?}");
    assert_eq!((before[0].1, before[0].2), (0, 0), "normal policy by default");

    let config = VideoConfig { realtime_priority: Some(7), ..client::loopback_config() };
    let realtime = Sfu::start(&config).await.expect("the SFU starts, real-time or not");
    let seen: HashSet<String> = before.into_iter().map(|t| t.0).collect();
    let new: Vec<_> = sfu_threads().into_iter().filter(|t| !seen.contains(&t.0)).collect();
    assert_eq!(new.len(), 1, "{new:?}");
    if may_use_realtime() {
        assert_eq!((new[0].1, new[0].2), (7, 1), "FIFO at priority 7");
    } else {
        // Refused by the kernel: a warning, and video still works on the normal policy.
        assert_eq!((new[0].1, new[0].2), (0, 0));
    }
    assert!(realtime.media_address().port() > 0);
    drop(normal);

    for out_of_range in [0, 100] {
        let config = VideoConfig { realtime_priority: Some(out_of_range), ..client::loopback_config() };
        let refused = Sfu::start(&config).await.err().expect("refused");
        assert!(refused.to_string().contains("between 1 and 99"), "{refused}");
    }
}
