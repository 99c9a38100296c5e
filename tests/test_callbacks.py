"""Early stopping and checkpoints, for every estimator."""

import joblib
import numpy as np
import pytest
from fast_configs import NAMES, make

from skdeepclust.callbacks import Checkpoint, EarlyStopping


@pytest.fixture(scope="module")
def images():
    return np.random.RandomState(0).rand(48, 8, 8).astype(np.float32)


def test_early_stopping_stops_after_n_epochs_without_improvement():
    stopper = EarlyStopping(tol=0.01, n_iter_no_change=2)
    losses = [10.0, 9.0, 8.95, 8.99, 9.5]  # 8.95 is less than 1% better
    stops = [stopper(None, {"epoch": e + 1, "loss": v}) for e, v in enumerate(losses)]
    assert stops == [False, False, False, True, True]
    assert stopper.best_loss_ == 9.0 and stopper.best_epoch_ == 2
    assert stopper.stopped_epoch_ == 5
    # A new fit (epochs counted from 1 again) starts a fresh record.
    assert stopper(None, {"epoch": 1, "loss": 100.0}) is False
    assert stopper.best_loss_ == 100.0 and stopper.stopped_epoch_ is None


@pytest.mark.parametrize("name", [n for n in NAMES if n != "STDACClustering"])
def test_early_stopping_ends_a_fit_whose_loss_stalls(name, images):
    # An improvement of 1000% is never reached: the fit stops after 2 epochs.
    stopper = EarlyStopping(tol=10.0, n_iter_no_change=1)
    estimator = make(name, max_epochs=6, callback=stopper).fit(images)
    assert estimator.n_iter_ == 2 and stopper.stopped_epoch_ == 2
    assert estimator.labels_.shape == (len(images),)


def test_early_stopping_refuses_stdac(images):
    with pytest.raises(ValueError, match="STDACClustering"):
        make("STDACClustering", max_epochs=2, callback=EarlyStopping()).fit(images)


@pytest.mark.parametrize("name", NAMES)
def test_a_checkpoint_resumes_with_warm_start(name, images, tmp_path):
    path = tmp_path / "model.joblib"
    checkpoint = Checkpoint(path, every=2)
    estimator = make(name, max_epochs=3, callback=[checkpoint]).fit(images)
    assert checkpoint.last_epoch_ == 2 and estimator.n_iter_ == 3
    resumed = joblib.load(path)
    assert resumed.n_iter_ == 2
    resumed.predict(images[:4])
    # The docs' recipe: the epochs left of the planned ones.
    assert resumed.max_epochs_ - resumed.n_iter_ == 1
    resumed.set_params(callback=None, warm_start=True, max_epochs=1).fit(images)
    assert resumed.n_iter_ == 3 and len(resumed.loss_curve_) == 3
    assert not list(tmp_path.glob("*.partial"))


def test_every_callback_of_a_list_is_called(images):
    seen = []

    def record(estimator, info):
        seen.append(info["epoch"])
        return info["epoch"] == 2

    stopper = EarlyStopping(tol=0.0, n_iter_no_change=10)
    estimator = make(NAMES[0], max_epochs=5, callback=[record, stopper]).fit(images)
    assert seen == [1, 2] and estimator.n_iter_ == 2
    assert stopper.best_epoch_ >= 1


def test_a_list_of_non_callables_is_refused(images):
    with pytest.raises(ValueError, match="list of callables"):
        make(NAMES[0], callback=[1]).fit(images)


@pytest.mark.parametrize(
    "make_callback, message",
    [
        (lambda: EarlyStopping(tol=-1), "tol"),
        (lambda: EarlyStopping(n_iter_no_change=0), "n_iter_no_change"),
        (lambda: Checkpoint("x", every=0), "every"),
    ],
)
def test_bad_callback_parameters(make_callback, message):
    with pytest.raises(ValueError, match=message):
        make_callback()
