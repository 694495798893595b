//! Token-budget batching: sort pairs by length so each batch pads little, and cap each batch by
//! its padded token count (`rows x longest`) and by its number of rows.

/// Group item indices into batches. `lengths[i]` is item i's token count. Every index appears
/// exactly once; within a batch, rows are in descending length.
pub fn plan(lengths: &[usize], max_batch_tokens: usize, max_batch_size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
    let max_batch_size = max_batch_size.max(1);
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for index in order {
        let longest = current.first().map_or(lengths[index], |&first| lengths[first]);
        let fits = (current.len() + 1) * longest <= max_batch_tokens && current.len() < max_batch_size;
        if !current.is_empty() && !fits {
            batches.push(std::mem::take(&mut current));
        }
        current.push(index);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_once_and_budget_respected() {
        let lengths = [5, 40, 12, 40, 7, 33, 2, 19, 25, 9];
        let batches = plan(&lengths, 80, 4);
        let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..lengths.len()).collect::<Vec<_>>());
        for batch in &batches {
            let longest = batch.iter().map(|&i| lengths[i]).max().unwrap();
            assert!(batch.len() <= 4);
            assert!(batch.len() == 1 || batch.len() * longest <= 80, "{batch:?}");
        }
    }

    #[test]
    fn sorted_by_length_to_cut_padding() {
        let batches = plan(&[3, 50, 4, 49], 200, 2);
        assert_eq!(batches, vec![vec![1, 3], vec![2, 0]]);
    }

    #[test]
    fn an_item_over_budget_still_runs_alone() {
        assert_eq!(plan(&[500, 10], 100, 8), vec![vec![0], vec![1]]);
    }
}
