"""Gal's regression data (UCI splits, CO2) and the chapter's experiments."""
from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from dropout_tutorial.data import DATA_ENV, DataUnavailableError
from dropout_tutorial.experiments import co2, uci
from dropout_tutorial.regression_data import UCI_DATASETS, load_co2, load_uci
from dropout_tutorial.runner import run
from dropout_tutorial.techniques.mc import model_precision


@pytest.mark.parametrize("name", sorted(UCI_DATASETS))
def test_uci_splits_are_disjoint_and_cover_the_rows(name):
    ds = load_uci(name)
    assert ds.n_splits == (5 if name == "protein" else 20)
    assert len(ds.x) == len(ds.y)
    for tr, te in zip(ds.train_indices, ds.test_indices):
        assert len(np.intersect1d(tr, te)) == 0
        assert len(tr) + len(te) == len(ds.x)
        assert 0.89 < len(tr) / len(ds.x) < 0.91          # the published 90/10 splits
    assert set(ds.dropout_rates) == {0.005, 0.01, 0.05, 0.1} and len(ds.tau_values) == 3


def test_uci_shapes_match_the_paper():
    rows = {"boston": (506, 13), "concrete": (1030, 8), "energy": (768, 8),
            "kin8nm": (8192, 8), "naval": (11934, 16), "power": (9568, 4),
            "protein": (45730, 9), "wine": (1599, 11), "yacht": (308, 6)}
    assert {n: load_uci(n).x.shape for n in rows} == rows


def test_every_registered_checksum_names_a_distinct_file():
    table = json.loads(resources.files("dropout_tutorial").joinpath("data_checksums.json")
                       .read_text())
    assert len(table) == 9 * 48 - 30 + 2        # 48 files per set, protein 18; 2 CO2 files
    assert all(len(sha) == 64 and size > 0 for size, sha in table.values())


def test_bad_names_and_splits_raise():
    with pytest.raises(ValueError, match="name must be one of"):
        load_uci("housing")
    with pytest.raises(ValueError, match="split must be in"):
        load_uci("yacht").split(20)
    with pytest.raises(ValueError, match="dataset must be one of"):
        uci.UCIConfig("x", "smoke", dataset="housing")
    with pytest.raises(ValueError, match="protocol must be one of"):
        uci.UCIConfig("x", "smoke", dataset="yacht", protocol="bayesopt")


def test_offline_folder_without_the_file_and_no_download_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_co2.cache_clear()
    try:
        with pytest.raises(DataUnavailableError, match=DATA_ENV):
            load_co2(download=False)
    finally:
        load_co2.cache_clear()


def test_co2_data_is_gals():
    data = load_co2()
    assert len(data.x_train) == 272 and len(data.x_extrapolate) == 1000
    assert data.x_train.min() == pytest.approx(-1.7257, abs=1e-4)
    assert data.x_extrapolate.max() == pytest.approx(3.7237, abs=1e-4)
    assert abs(data.y_train.mean()) < 0.05 and data.y_train.std() == pytest.approx(1, abs=0.05)


def test_weight_decay_inverts_the_model_precision():
    """lambda = l^2 (1 - p) / (2 N tau), and model_precision recovers tau from it."""
    lam = uci.weight_decay(0.05, 0.16, 455)
    assert lam == pytest.approx(1e-4 * 0.95 / (2 * 455 * 0.16))
    assert model_precision(1e-2, 0.05, 455, float(lam)) == pytest.approx(0.16)


def test_paper_settings_cover_every_set():
    assert set(uci.GAL2016_SETTINGS) == set(UCI_DATASETS) == set(uci.PAPER_TABLE1) \
        == set(uci.REPO_GRID2018)


@pytest.mark.parametrize("protocol", uci.PROTOCOLS)
def test_a_smoke_protocol_runs_and_reports_every_split(protocol):
    config = next(c for c in uci.configs("smoke")[protocol] if c.dataset == "yacht")
    record = run(config, progress=False)
    h, f = record.history, record.final
    assert h["split"] == [0, 1] and len(h["ll"]) == len(h["mc_rmse"]) == 2
    assert np.isfinite([f["ll_mean"], f["mc_rmse_mean"], f["rmse_mean"]]).all()
    assert f["mc_rmse_mean"] > 0
    if protocol == "grid2018":                 # the chosen pair is the best on validation
        grid = [tuple(g) for g in h["grid"]]
        for s, val in enumerate(h["val_ll"]):
            assert grid[int(np.argmax(val))] == (h["p"][s], h["tau"][s])
    if protocol == "concrete2017":             # one learned p per layer and split, in (0, 1)
        learned = np.array(h["learned_p"])
        assert learned.shape == (2, 2) and ((learned > 0) & (learned < 1)).all()


def test_co2_smoke_run_predicts_on_the_whole_grid():
    config = co2.configs("smoke")["co2"][0]
    record = run(config, progress=False)
    n = len(co2.prediction_inputs())
    assert len(record.history["mc_mean"]) == len(record.history["mc_std"]) == n
    assert all(s >= 0 for s in record.history["mc_std"])


def test_normalized_puts_rmse_as_a_ratio_and_loglik_as_a_difference():
    rows = [uci.Comparison("a", "mc_rmse", 2.2, 0.2, 2.0, 0.1),
            uci.Comparison("a", "ll", -1.5, 0.05, -1.4, 0.02)]
    labels, ours, ours_se, paper, paper_se = uci.normalized(rows, "mc_rmse")
    assert labels == ["a"] and ours == [pytest.approx(1.1)] and ours_se == [pytest.approx(0.1)]
    assert paper == [1.0] and paper_se == [pytest.approx(0.05)]
    _, ours, ours_se, paper, paper_se = uci.normalized(rows, "ll")
    assert ours == [pytest.approx(-0.1)] and (ours_se, paper, paper_se) == ([0.05], [0.0], [0.02])
    # gap 0.2 <= hypot(0.2, 0.1) = 0.224: within; gap 0.1 > hypot(0.05, 0.02) = 0.054: not
    assert rows[0].within and not rows[1].within
