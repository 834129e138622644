//! This process's threads as `/proc` shows them: the SFU benchmark and the node's tests find
//! the node's thread (`relais-sfu`) and count how often it slept.

/// The kernel's id of this process's thread called `name`.
pub fn thread_named(name: &str) -> i32 {
    std::fs::read_dir("/proc/self/task")
        .expect("a Linux /proc")
        .flatten()
        .find(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim_end() == name)
        })
        .and_then(|task| task.file_name().to_str().and_then(|tid| tid.parse().ok()))
        .expect("the thread")
}

/// Times the thread `tid` gave up the CPU to wait (`voluntary_ctxt_switches`: its wake-ups) and
/// was made to give it up (`nonvoluntary_ctxt_switches`). Counts, not times: steadier than CPU
/// time on a shared machine.
pub fn switches(tid: i32) -> (u64, u64) {
    let status =
        std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).expect("the thread's status");
    let count = |name: &str| {
        let value = status.lines().find_map(|l| l.strip_prefix(name)).expect("a count");
        value.trim().parse().expect("a number")
    };
    (count("voluntary_ctxt_switches:"), count("nonvoluntary_ctxt_switches:"))
}
