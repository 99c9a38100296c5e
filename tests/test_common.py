"""The contract every exported estimator keeps, tested once for all of them.

A new estimator exported by ``skdeepclust`` with a configuration in
``fast_configs.py`` is covered by these tests; one without fails the first.
"""

import io
import pickle

import joblib
import numpy as np
import pytest
import torch
from fast_configs import CONFIGS, EXPORTED, NAMES, make
from sklearn.base import clone

from skdeepclust.base import BaseDeepClusterer


@pytest.fixture(scope="module")
def images():
    return np.random.RandomState(0).rand(48, 8, 8).astype(np.float32)


def _parameters(estimator):
    return {
        f"{i}.{name}": parameter.detach().cpu().numpy().copy()
        for i, module in enumerate(estimator._torch_modules())
        for name, parameter in module.named_parameters()
    }


def test_every_exported_estimator_has_a_fast_configuration():
    assert EXPORTED == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_estimator_shares_the_base_contract(name):
    Estimator = CONFIGS[name][0]
    assert issubclass(Estimator, BaseDeepClusterer)
    params = Estimator().get_params()
    for common in (
        "n_clusters",
        "max_epochs",
        "batch_size",
        "learning_rate",
        "lr_milestones",
        "lr_gamma",
        "device",
        "random_state",
        "verbose",
        "image_shape",
        "warm_start",
        "precision",
    ):
        assert common in params, common
    assert set(Estimator._parameter_constraints) == set(params)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_model_and_global_rng_untouched(name, images):
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first = make(name).fit(images)
    assert torch.equal(torch.rand(1), expected_next)
    second = clone(first).fit(images)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    for key, value in _parameters(first).items():
        np.testing.assert_array_equal(value, _parameters(second)[key], err_msg=key)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_optimizer_state_survives_pickling(name, images, dump):
    # Continuing a loaded model gives exactly what continuing the original
    # gives: the optimizer's moments travel with the model.
    estimator = make(name, max_epochs=2).fit(images)
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(estimator))
    else:
        buffer = io.BytesIO()
        joblib.dump(estimator, buffer)
        buffer.seek(0)
        loaded = joblib.load(buffer)
    np.testing.assert_array_equal(loaded.predict(images), estimator.predict(images))
    for model in (estimator, loaded):
        model.set_params(warm_start=True, max_epochs=1).fit(images)
    assert loaded.n_iter_ == estimator.n_iter_ == 3
    after, after_loaded = _parameters(estimator), _parameters(loaded)
    for key, value in after.items():
        np.testing.assert_array_equal(value, after_loaded[key], err_msg=key)


@pytest.mark.parametrize("name", NAMES)
def test_warm_start_equals_one_longer_fit_in_the_schedule(name, images):
    estimator = make(name, max_epochs=2, lr_milestones=(2,), warm_start=True)
    estimator.fit(images)
    estimator.fit(images)
    optimizer = estimator._current_optimizer()
    assert estimator.n_iter_ == 4 and len(estimator.loss_curve_) == 4
    rate = estimator.learning_rate * estimator.lr_gamma
    assert all(group["lr"] == pytest.approx(rate) for group in optimizer.param_groups)
    assert optimizer.state_dict()["state"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "milestones, error", [(40, ValueError), ((5, 2), ValueError), ((1.5,), TypeError)]
)
def test_lr_milestones_follow_one_rule(name, images, milestones, error):
    with pytest.raises(error, match="lr_milestones"):
        make(name, lr_milestones=milestones).fit(images)


@pytest.mark.parametrize("name", NAMES)
def test_verbose_prints_one_line_per_epoch_and_nothing_when_quiet(name, images, capsys):
    make(name, max_epochs=2, verbose=0).fit(images)
    assert capsys.readouterr().out == ""
    make(name, max_epochs=2, verbose=1).fit(images)
    lines = [line for line in capsys.readouterr().out.splitlines() if "loss" in line]
    assert len(lines) == 2 and all(CONFIGS[name][0].__name__ in line for line in lines)


def _stop_after_two(estimator, info):
    _stop_after_two.seen.append(
        (info["epoch"], info["loss"], info["seconds"], info["training_labels"]())
    )
    # A checkpoint between epochs loads and predicts.
    checkpoint = pickle.loads(pickle.dumps(estimator))
    _stop_after_two.checkpoints.append(checkpoint)
    return info["epoch"] == 2


@pytest.mark.parametrize("name", NAMES)
def test_callback_sees_every_epoch_and_can_stop_training(name, images):
    _stop_after_two.seen, _stop_after_two.checkpoints = [], []
    estimator = make(name, max_epochs=4, callback=_stop_after_two).fit(images)
    assert estimator.n_iter_ == 2 and len(estimator.loss_curve_) == 2
    epochs, losses, seconds, labels = zip(*_stop_after_two.seen)
    assert epochs == (1, 2) and list(losses) == estimator.loss_curve_
    assert all(s > 0 for s in seconds)
    np.testing.assert_array_equal(labels[-1], estimator.labels_)
    checkpoint = _stop_after_two.checkpoints[-1]
    assert checkpoint.n_iter_ == 2
    checkpoint.set_params(callback=None, warm_start=True, max_epochs=1)
    assert checkpoint.fit(images).n_iter_ == 3


@pytest.mark.parametrize("name", NAMES)
def test_transform_columns_are_named_like_kmeans(name, images):
    estimator = make(name).fit(images)
    names = estimator.get_feature_names_out()
    width = estimator.transform(images[:2]).shape[1]
    prefix = CONFIGS[name][0].__name__.lower()
    assert list(names) == [f"{prefix}{i}" for i in range(width)]


@pytest.mark.parametrize("name", NAMES)
def test_pipeline_set_output_pandas(name, images):
    pd = pytest.importorskip("pandas")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    labels = np.arange(len(images)) % 2
    pipeline = make_pipeline(make(name), LogisticRegression())
    pipeline.set_output(transform="pandas").fit(images.reshape(len(images), -1), labels)
    features = pipeline[:-1].transform(images.reshape(len(images), -1))
    assert isinstance(features, pd.DataFrame)
    assert list(features.columns) == list(pipeline[0].get_feature_names_out())
    assert pipeline.predict(images.reshape(len(images), -1)).shape == (len(images),)


@pytest.mark.parametrize("name", NAMES)
def test_html_repr_links_to_the_estimator_api_page(name):
    Estimator = CONFIGS[name][0]
    link = Estimator()._get_doc_link()
    assert link.endswith(f"/generated/skdeepclust.{Estimator.__name__}.html")
    assert link in Estimator()._repr_html_()


@pytest.mark.parametrize("name", NAMES)
def test_verbose_fit_shows_progress_within_the_epoch(name, images, capsys, monkeypatch):
    from skdeepclust import base

    monkeypatch.setattr(base._EpochProgress, "interval", 0.0)
    make(name, max_epochs=2, verbose=1).fit(images)
    lines = capsys.readouterr().out.splitlines()
    progress = [line for line in lines if "images)" in line]
    assert progress, lines
    assert all(f"{CONFIGS[name][0].__name__}] epoch " in line for line in progress)
    assert all("% (" in line and "left" in line for line in progress)
    assert any("left)" in line for line in lines if "loss" in line)
    make(name, max_epochs=2, verbose=0).fit(images)
    assert capsys.readouterr().out == ""


def test_progress_lines_are_at_most_every_interval(capsys):
    from skdeepclust.base import _EpochProgress

    now = [0.0]
    progress = _EpochProgress("Est", 1, 3, clock=lambda: now[0])
    for step, seconds in enumerate([1, 5, 11, 12, 25]):
        now[0] = seconds
        progress.update((step + 1) * 10, 100)
    assert capsys.readouterr().out.splitlines() == [
        "[Est] epoch 1/3:  30% (30/100 images), 11 s in, about 26 s left",
        "[Est] epoch 1/3:  50% (50/100 images), 25 s in, about 25 s left",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_n_init_keeps_the_fit_with_the_best_score(name, images):
    estimator = make(name, n_init=3, max_epochs=2).fit(images)
    assert estimator.init_scores_.shape == (3,)
    assert estimator.score(images) == estimator.init_scores_.max()
    assert estimator.get_params()["n_init"] == 3 and estimator.random_state == 0
    again = make(name, n_init=3, max_epochs=2).fit(images)
    np.testing.assert_array_equal(again.labels_, estimator.labels_)
    # A warm start goes on with the kept model alone.
    estimator.set_params(warm_start=True, max_epochs=1).fit(images)
    assert estimator.n_iter_ == 3
