//! Paired, interleaved comparisons: on a machine shared with other work, the load drifts
//! between criterion's back-to-back measurements of two functions, so the ratio of two
//! criterion figures can be off by more than the difference measured. Here each pair times
//! one batch of the baseline and one of the candidate right after each other (the order
//! alternating from pair to pair), and the ratios of the pairs are summarized.

use std::future::Future;
use std::time::{Duration, Instant};

/// The candidate/baseline time ratio of each pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    /// One ratio per pair (above 1: the candidate was slower).
    pub ratios: Vec<f64>,
    /// The baseline's batch times.
    pub baseline: Vec<Duration>,
    /// The candidate's batch times.
    pub candidate: Vec<Duration>,
}

impl Paired {
    /// The median ratio.
    pub fn median(&self) -> f64 {
        quantile(&self.ratios, 0.5)
    }

    /// The `q` quantile (0 to 1) of the ratios, by nearest rank.
    pub fn quantile(&self, q: f64) -> f64 {
        quantile(&self.ratios, q)
    }

    /// One line: median ratio, interquartile range, extremes, and the median batch times.
    pub fn summary(&self) -> String {
        let median = |times: &[Duration]| {
            let secs: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
            quantile(&secs, 0.5)
        };
        format!(
            "{} pairs: candidate/baseline median {:.3}x (quartiles {:.3}-{:.3}, range {:.3}-{:.3}); \
             median batch {:.1} ms baseline, {:.1} ms candidate",
            self.ratios.len(),
            self.median(),
            self.quantile(0.25),
            self.quantile(0.75),
            self.quantile(0.0),
            self.quantile(1.0),
            median(&self.baseline) * 1e3,
            median(&self.candidate) * 1e3,
        )
    }
}

fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n => sorted[((n - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize],
    }
}

/// Time `pairs` pairs of one `baseline()` batch and one `candidate()` batch, alternating
/// which goes first.
pub async fn compare<B, BF, C, CF>(pairs: usize, mut baseline: B, mut candidate: C) -> Paired
where
    B: FnMut() -> BF,
    BF: Future<Output = ()>,
    C: FnMut() -> CF,
    CF: Future<Output = ()>,
{
    let mut paired = Paired {
        ratios: Vec::with_capacity(pairs),
        baseline: Vec::with_capacity(pairs),
        candidate: Vec::with_capacity(pairs),
    };
    for pair in 0..pairs {
        let (b, c) = if pair % 2 == 0 {
            let b = time(baseline()).await;
            (b, time(candidate()).await)
        } else {
            let c = time(candidate()).await;
            (time(baseline()).await, c)
        };
        paired
            .ratios
            .push(c.as_secs_f64() / b.as_secs_f64().max(f64::MIN_POSITIVE));
        paired.baseline.push(b);
        paired.candidate.push(c);
    }
    paired
}

async fn time(batch: impl Future<Output = ()>) -> Duration {
    let started = Instant::now();
    batch.await;
    started.elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let values = [3.0, 1.0, 2.0, 5.0, 4.0];
        assert_eq!(quantile(&values, 0.5), 3.0);
        assert_eq!(quantile(&values, 0.0), 1.0);
        assert_eq!(quantile(&values, 1.0), 5.0);
        assert_eq!(quantile(&values, 0.25), 2.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[tokio::test]
    async fn pairs_alternate_and_ratio_the_candidate_to_the_baseline() {
        let paired = compare(
            4,
            || tokio::time::sleep(Duration::from_millis(2)),
            || tokio::time::sleep(Duration::from_millis(4)),
        )
        .await;
        assert_eq!(paired.ratios.len(), 4);
        assert!(paired.median() > 1.2, "{}", paired.summary());
    }
}
