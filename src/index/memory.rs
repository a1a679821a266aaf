//! What the process's allocator (glibc's malloc) keeps of memory freed while loading and
//! building. A start builds gigabytes of scratch beside the index it keeps; without
//! these, the resident size at ready counts freed memory the index does not use.

/// Fixes glibc's thresholds at their defaults for the first load: blocks of 128 KiB and
/// more are mapped on their own and unmapped when freed, and an arena's free top is
/// trimmed past 128 KiB. Left dynamic, both rise as large blocks are freed (to 32 and
/// 64 MiB), and a thread's arena may then keep up to 64 MiB of freed top resident,
/// which `malloc_trim` does not return for arenas other than the main one: a start from
/// 2,000,000 rows kept 35–50 MB so in some starts and not others (`malloc_info` at
/// ready: the bytes in use the same within 11 kB). Fixed, every start held the lower
/// figure, the peak fell by 155 MB and the build was faster (docs/BENCHMARKS.md, stop 33).
pub fn thresholds_for_start() {
    set_thresholds(128 * 1024, 128 * 1024);
}

/// Raises the thresholds to where glibc's dynamic ones end up, when the server starts
/// serving. Kept at the start's, every request that allocates 128 KiB or more (a page
/// of items, a search's bit set) mapped and unmapped it: items and search answered
/// 20–25 % fewer requests per second. Raised as soon as the index was in (before the
/// rest of the set-up), some starts kept the 35 MB again.
pub fn thresholds_for_serving() {
    set_thresholds(32 * 1024 * 1024, 64 * 1024 * 1024);
}

/// Sets both thresholds; says so when glibc refuses a value (out of its range), which
/// leaves that threshold as it was.
fn set_thresholds(mmap: i32, trim: i32) -> bool {
    let set = mallopt(Threshold::Mmap, mmap) && mallopt(Threshold::Trim, trim);
    if !set {
        tracing::warn!(mmap, trim, "the allocator refused a threshold");
    }
    set
}

enum Threshold {
    Mmap,
    Trim,
}

#[allow(unsafe_code)]
fn mallopt(threshold: Threshold, value: i32) -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let param = match threshold {
            Threshold::Mmap => libc::M_MMAP_THRESHOLD,
            Threshold::Trim => libc::M_TRIM_THRESHOLD,
        };
        // SAFETY: mallopt takes no pointers; it sets the allocator's parameters under
        // its own lock and refuses values out of range (returning 0).
        unsafe { libc::mallopt(param, value) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        let _ = (threshold, value);
        true
    }
}

/// Hands memory freed while loading and building (decoded rows, parse trees, build
/// scratch, a replaced snapshot) back to the system. glibc keeps freed chunks in its
/// arenas, so without this the resident size counts garbage: 775 → 596 MiB at ready for
/// 500,000 institutions from PostGIS (docs/BENCHMARKS.md).
#[allow(unsafe_code)]
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and only returns free pages of the
    // allocator's own arenas to the kernel; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allocator_takes_both_sets_of_thresholds() {
        assert!(set_thresholds(128 * 1024, 128 * 1024));
        assert!(set_thresholds(32 * 1024 * 1024, 64 * 1024 * 1024));
    }
}
