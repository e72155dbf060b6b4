//! The report's list of timing methods: methods that differ only in their repetition count
//! are one line with the count's range.

/// Methods keyed by their text without the repetition count, with the counts' range.
#[derive(Default)]
pub struct MethodList {
    entries: Vec<Entry>,
}

/// One method: the text before the count, the text after it, and the fewest and most reps
/// (None for a method without a count).
struct Entry {
    head: String,
    tail: String,
    reps: Option<(u64, u64)>,
}

impl MethodList {
    /// Adds a timing's method (nothing for None).
    pub fn add(&mut self, timing: Option<&crate::eval::Timing>) {
        if let Some(t) = timing {
            self.add_method(&t.method);
        }
    }

    fn add_method(&mut self, method: &str) {
        // A method without a count has an empty tail, one with a count a tail starting " reps":
        // equal heads and tails mean both have a count or neither has.
        let (head, reps, tail) = split_reps(method);
        match self
            .entries
            .iter_mut()
            .find(|e| e.head == head && e.tail == tail)
        {
            Some(e) => {
                if let (Some((lo, hi)), Some(n)) = (&mut e.reps, reps) {
                    (*lo, *hi) = ((*lo).min(n), (*hi).max(n));
                }
            }
            None => self.entries.push(Entry {
                head,
                tail,
                reps: reps.map(|n| (n, n)),
            }),
        }
    }

    /// One line per method, in the order first added.
    pub fn lines(self) -> Vec<String> {
        self.entries
            .into_iter()
            .map(|Entry { head, tail, reps }| match reps {
                Some((lo, hi)) if lo == hi => format!("{head}{lo}{tail}"),
                Some((lo, hi)) => format!("{head}{lo}–{hi}{tail}"),
                None => head,
            })
            .collect()
    }
}

/// "...; 157 reps after 10 warm-up replays" -> ("...; ", Some(157), " reps after 10 warm-up
/// replays"); a method without a count is (method, None, "").
fn split_reps(method: &str) -> (String, Option<u64>, String) {
    let parsed = method.rsplit_once("; ").and_then(|(head, last)| {
        let (count, rest) = last.split_once(" reps")?;
        let n = count.parse::<u64>().ok()?;
        Some((format!("{head}; "), n, format!(" reps{rest}")))
    });
    match parsed {
        Some((head, n, tail)) => (head, Some(n), tail),
        None => (method.to_string(), None, String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::{split_reps, MethodList};

    #[test]
    fn methods_that_differ_in_their_count_are_one_line_with_the_range() {
        let mut m = MethodList::default();
        for method in [
            "kernel-only: graph; flushed; 357 reps after 10 warm-up replays",
            "per call: eager; flushed; 100 reps after 10 warm-up calls",
            "kernel-only: graph; flushed; 157 reps after 10 warm-up replays",
            "kernel-only: graph; flushed; 574 reps after 10 warm-up replays",
            "kernel-only: graph; not flushed; 200 reps after 10 warm-up replays",
            "per call: eager; flushed; 100 reps after 10 warm-up calls",
        ] {
            m.add_method(method);
        }
        assert_eq!(
            m.lines(),
            [
                "kernel-only: graph; flushed; 157–574 reps after 10 warm-up replays",
                "per call: eager; flushed; 100 reps after 10 warm-up calls",
                "kernel-only: graph; not flushed; 200 reps after 10 warm-up replays",
            ]
        );
    }

    #[test]
    fn the_repetition_count_is_split_out() {
        let (head, n, tail) =
            split_reps("kernel-only: graph; L2 flushed; 157 reps after 10 warm-up replays");
        assert_eq!(head, "kernel-only: graph; L2 flushed; ");
        assert_eq!(n, Some(157));
        assert_eq!(tail, " reps after 10 warm-up replays");
        assert_eq!(
            split_reps("per call: eager"),
            ("per call: eager".into(), None, String::new())
        );
        assert_eq!(split_reps("a; many reps").1, None);
    }
}
