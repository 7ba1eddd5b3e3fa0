//! How hard repeated failures (sign-ins, sign-up requests) are slowed down:
//! a number allowed in a window, then a wait that doubles with each further
//! failure, up to a cap, so the real person is never locked out for good.

use chrono::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_failures: i32,
    pub window: Duration,
    /// The first wait; each further failure doubles it.
    pub base_block: Duration,
    pub max_block: Duration,
}

impl Limits {
    /// How long to wait after this many failures in a row, if at all.
    pub fn wait_after(&self, failures: i32) -> Option<Duration> {
        (failures >= self.max_failures).then(|| {
            let over = u32::try_from(failures - self.max_failures).unwrap_or(0).min(16);
            (self.base_block * 2_i32.pow(over)).min(self.max_block)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_past_the_limit_and_stops_at_the_cap() {
        let limits = Limits {
            max_failures: 3,
            window: Duration::minutes(15),
            base_block: Duration::seconds(30),
            max_block: Duration::minutes(4),
        };
        let waits: Vec<Option<i64>> = (1..=8).map(|n| limits.wait_after(n).map(|w| w.num_seconds())).collect();
        assert_eq!(
            waits,
            [
                None,
                None,
                Some(30),
                Some(60),
                Some(120),
                Some(240),
                Some(240),
                Some(240)
            ]
        );
    }
}
