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

/// A FIFO priority checked to be one Linux has (1 to 99), checked once, before the node's
/// thread starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Realtime(u8);

impl Realtime {
    /// # Errors
    /// A priority out of range, named as the setting.
    pub fn new(priority: u8) -> Result<Self, String> {
        if !(1..=MAX_REALTIME_PRIORITY).contains(&priority) {
            return Err(format!(
                "video_realtime_priority {priority} is not between 1 and {MAX_REALTIME_PRIORITY} (0: off)"
            ));
        }
        Ok(Self(priority))
    }

    /// The priority, 1 to 99.
    pub fn priority(self) -> u8 {
        self.0
    }

    /// Puts the calling thread on the FIFO policy at this priority.
    ///
    /// # Errors
    /// The kernel refused: the process needs `CAP_SYS_NICE` or an `RLIMIT_RTPRIO` at least this
    /// priority (e.g. systemd's `LimitRTPRIO=`).
    pub fn apply_to_current_thread(self) -> Result<(), String> {
        let value = ThreadPriorityValue::try_from(self.0)?;
        set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Crossplatform(value),
            ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
        )
        .map_err(|e| format!("{e:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_priority_out_of_range_is_refused_before_asking_the_kernel() {
        for priority in [0, 100, 255] {
            let refused = Realtime::new(priority).expect_err("out of range");
            assert!(refused.contains("between 1 and 99"), "{refused}");
        }
        assert!(Realtime::new(1).is_ok() && Realtime::new(99).is_ok());
    }
}
