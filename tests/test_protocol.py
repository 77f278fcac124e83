"""helpers.protocol: early stopping, the learning-rate choice, paired intervals, Holm."""

import itertools

import numpy as np
import pytest

from helpers import protocol


def test_the_checkpoint_is_the_first_best_validation_and_test_is_read_there():
    cp = protocol.best_checkpoint([0.2, 0.7, 0.9, 0.9, 0.5], [0.1, 0.6, 0.8, 0.95, 0.4])
    assert cp == protocol.Checkpoint(2, 0.9, 0.8)  # not the later 0.95 on test


def test_a_run_that_diverged_counts_until_it_diverged():
    nan = np.nan
    assert protocol.best_checkpoint([0.3, 0.6, nan, nan], [0.3, 0.55, nan, nan]) == \
        protocol.Checkpoint(1, 0.6, 0.55)
    assert protocol.best_checkpoint([nan, nan], [nan, nan]) == protocol.Checkpoint(0, 0.0, 0.0)


def test_checkpoint_arguments_are_checked():
    with pytest.raises(ValueError, match="same non-zero length"):
        protocol.best_checkpoint([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="same non-zero length"):
        protocol.best_checkpoint([], [])


GRID = list(np.geomspace(1e-4, 1e-1, 7))


def test_the_learning_rate_with_the_best_mean_is_chosen():
    val = {lr: np.full(10, 0.5) for lr in GRID}
    val[GRID[3]] = np.full(10, 0.8)
    val[GRID[2]] = np.r_[np.full(9, 0.5), 1.0]  # one lucky seed does not win
    assert protocol.choose_learning_rate(val) == GRID[3]


def test_a_diverged_seed_counts_as_zero():
    val = {lr: np.full(4, 0.5) for lr in GRID}
    val[GRID[3]] = np.array([0.9, 0.9, 0.9, np.nan])  # mean 0.675 with the NaN as 0
    val[GRID[4]] = np.full(4, 0.7)
    assert protocol.choose_learning_rate(val) == GRID[4]


@pytest.mark.parametrize("edge", [0, -1])
def test_an_optimum_at_the_edge_of_the_grid_is_refused(edge):
    val = {lr: np.full(3, 0.5) for lr in GRID}
    val[GRID[edge]] = np.full(3, 0.9)
    with pytest.raises(protocol.EdgeOptimumError, match="edge of the grid.*Widen the grid"):
        protocol.choose_learning_rate(val)
    assert protocol.choose_learning_rate(val, require_interior=False) == GRID[edge]


def test_ties_go_to_the_smallest_rate():
    val = {lr: np.full(3, 0.5) for lr in GRID}
    val[GRID[2]] = val[GRID[4]] = np.full(3, 0.9)
    assert protocol.choose_learning_rate(val) == GRID[2]


@pytest.mark.parametrize(("grid", "match"), [
    (GRID[:4], "at least 5 rates"),
    ([1e-4, 2e-4, 3e-4, 4e-4, 5e-4], "log-spaced"),
    ([1e-3, 1e-2, 1e-1, 1.0, 0.0], "learning rate must be"),
])
def test_a_grid_must_be_log_spaced_with_five_rates(grid, match):
    with pytest.raises(ValueError, match=match):
        protocol.choose_learning_rate({lr: [0.5] for lr in grid})


def test_every_rate_needs_the_same_seeds():
    val = {lr: [0.5, 0.6] for lr in GRID}
    val[GRID[3]] = [0.5]
    with pytest.raises(ValueError, match="same seeds"):
        protocol.choose_learning_rate(val)
    with pytest.raises(TypeError, match="val_by_lr must be a dict"):
        protocol.choose_learning_rate([0.1, 0.2])


def test_sign_flips_are_exact_for_few_seeds():
    # every difference positive: 2 of the 2^n sign patterns are as extreme (two-sided)
    for n in (4, 6, 10):
        assert protocol.sign_flip_pvalue(np.ones(n), np.zeros(n)) == pytest.approx(2 / 2**n)
    # by brute force over every sign pattern
    diffs = np.array([0.03, -0.01, 0.02, 0.05, -0.02, 0.04])
    observed = abs(diffs.mean())
    patterns = np.array(list(itertools.product([-1, 1], repeat=diffs.size)))
    expected = np.mean(np.abs((patterns * diffs).mean(axis=1)) >= observed - 1e-12)
    assert protocol.sign_flip_pvalue(diffs, np.zeros(6)) == pytest.approx(expected)
    assert protocol.sign_flip_pvalue([0.5, 0.5], [0.5, 0.5]) == 1.0


def test_four_seeds_are_never_enough_however_clear_the_gap():
    d = protocol.paired_difference([0.9, 0.91, 0.92, 0.9], [0.5, 0.52, 0.5, 0.51])
    assert d.low > 0 and not d.distinguishable  # p = 0.125 at best
    assert "not distinguishable with 4 seeds" in str(d)


def test_intervals_cover_the_true_difference_about_as_often_as_they_claim():
    """No true difference, 10 seeds with a shared seed effect: a 90 % interval contains 0 in
    about 90 % of experiments (the pairing removes the seed effect)."""
    rng = np.random.default_rng(0)
    hits, false_claims = 0, 0
    for _ in range(200):
        seed_effect = rng.normal(0, 0.05, 10)
        a = 0.8 + seed_effect + rng.normal(0, 0.01, 10)
        b = 0.8 + seed_effect + rng.normal(0, 0.01, 10)
        d = protocol.paired_difference(a, b, confidence=0.9, n_resamples=999)
        hits += d.low <= 0 <= d.high
        false_claims += d.distinguishable
    assert 0.82 <= hits / 200 <= 0.96
    assert false_claims / 200 <= 0.12


def test_a_difference_without_spread_is_its_own_interval():
    d = protocol.paired_difference([0.6, 0.7, 0.8], [0.5, 0.6, 0.7])
    assert (d.low, d.high) == pytest.approx((0.1, 0.1))


def test_paired_arguments_are_checked():
    with pytest.raises(ValueError, match="one value per seed"):
        protocol.paired_difference([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="must be finite"):
        protocol.paired_difference([0.1, np.nan], [0.1, 0.2])
    with pytest.raises(ValueError, match="confidence must be in"):
        protocol.paired_difference([0.1, 0.2], [0.1, 0.3], confidence=1.0)


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 -> 3*0.01, 2*0.03, max(0.06, 1*0.04)
    assert protocol.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert protocol.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    with pytest.raises(ValueError, match="probabilities"):
        protocol.holm([0.1, 1.5])


def test_a_table_of_comparisons_is_corrected_for_its_size():
    rng = np.random.default_rng(1)
    base = rng.normal(0.7, 0.03, 10)
    pairs = {"clear": (base + 0.03 + rng.normal(0, 0.005, 10), base),
             "none": (base + rng.normal(0, 0.005, 10), base),
             "small": (base + 0.004 + rng.normal(0, 0.005, 10), base)}
    table = protocol.compare(pairs)
    assert list(table) == ["clear", "none", "small"]
    assert table["clear"].distinguishable and not table["none"].distinguishable
    raw = [protocol.sign_flip_pvalue(*pairs[k]) for k in pairs]
    assert [d.pvalue for d in table.values()] == pytest.approx(protocol.holm(raw).tolist())
    # the most significant comparison is tested at alpha / 3: a wider interval than alone
    alone = protocol.paired_difference(*pairs["clear"])
    assert table["clear"].confidence == pytest.approx(1 - 0.05 / 3)
    assert table["clear"].high - table["clear"].low > alone.high - alone.low


def test_the_test_sets_own_error():
    assert protocol.sampling_error(0.6, 1000) == pytest.approx(np.sqrt(0.24 / 1000))
    assert protocol.sampling_error(1.0, 50) == 0.0
    with pytest.raises(ValueError, match="accuracy must be in"):
        protocol.sampling_error(1.2, 50)
