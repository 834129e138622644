//! The node's thread on the kernel's real-time FIFO policy, when the operator asks for it
//! (`video_realtime_priority`).
//!
//! Why: on a machine whose cores are busy (other services, or the browsers of our own tests),
//! a thread on the normal policy is preempted by the threads it wakes: measured with four
//! browsers on our 2-core machine (`docs/video.md`), the node was preempted ~500 times a
//! second, half of them in the middle of sending a frame to the room, and each time the
//! frame's last receivers waited for it. A FIFO thread runs until it sleeps again: every
//! frame goes to the whole room at once, and the browsers' bandwidth estimates (which read a
//! late packet as congestion) let them send more. The node sleeps between datagrams and does a
//! bounded amount of work per wake, so it cannot starve the machine; the kernel keeps 5 % of
//! each second for other threads anyway (`kernel.sched_rt_runtime_us`).

use thread_priority::{
    RealtimeThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
    set_thread_priority_and_policy, thread_native_id,
};

/// The highest FIFO priority Linux has.
pub const MAX_REALTIME_PRIORITY: u8 = 99;

/// Puts the calling thread on the FIFO policy at `priority` (1 to 99).
///
/// # Errors
/// A priority out of range, or the kernel refused (the process needs `CAP_SYS_NICE` or an
/// `RLIMIT_RTPRIO` at least `priority`, e.g. systemd's `LimitRTPRIO=`).
pub(crate) fn make_current_thread_realtime(priority: u8) -> Result<(), String> {
    if !(1..=MAX_REALTIME_PRIORITY).contains(&priority) {
        return Err(format!("real-time priority {priority} is not between 1 and {MAX_REALTIME_PRIORITY}"));
    }
    let value = ThreadPriorityValue::try_from(priority)?;
    set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Crossplatform(value),
        ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
    )
    .map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_priority_out_of_range_is_refused_before_asking_the_kernel() {
        for priority in [0, 100, 255] {
            let refused = make_current_thread_realtime(priority).expect_err("out of range");
            assert!(refused.contains("between 1 and 99"), "{refused}");
        }
    }
}
