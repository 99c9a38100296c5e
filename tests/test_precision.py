"""``precision="bfloat16"``: the networks compute in bfloat16, the rest in float32."""

import numpy as np
import pytest
import torch
from fast_configs import NAMES, make

from skdeepclust.base import autocast, float32_region

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def images():
    return np.random.RandomState(0).rand(48, 8, 8).astype(np.float32)


def test_autocast_uses_each_step_s_weights():
    # One context spans a whole epoch of optimizer steps: a cached bfloat16
    # copy of a weight would train every step of it with the first one's.
    layer = torch.nn.Linear(4, 1, bias=False)
    x = torch.ones(1, 4)
    with autocast(CPU, "bfloat16"):
        before = layer(x)
        with torch.no_grad():
            layer.weight.add_(1.0)
        after = layer(x)
    assert before.dtype == after.dtype == torch.bfloat16
    expected = (layer.weight.detach().to(torch.bfloat16).float().sum()).item()
    assert after.item() == pytest.approx(expected, rel=1e-2)
    assert after.item() - before.item() == pytest.approx(4.0, rel=1e-2)


def test_float32_precision_changes_nothing():
    layer = torch.nn.Linear(4, 3)
    x = torch.randn(5, 4)
    with autocast(CPU, "float32"):
        inside = layer(x)
    assert inside.dtype == torch.float32
    assert torch.equal(inside, layer(x))


def test_float32_region_computes_in_float32_inside_autocast():
    a = torch.randn(8, 8)
    with autocast(CPU, "bfloat16"):
        assert (a @ a).dtype == torch.bfloat16
        with float32_region(CPU):
            product = a @ a
    assert product.dtype == torch.float32
    assert torch.equal(product, a @ a)


def _output_dtypes_of_layers(estimator, dtypes):
    """Record the output dtype of every convolution and linear layer in fit."""
    handles = []
    original = type(estimator)._initialize

    def hooked(self, X, random_state):
        original(self, X, random_state)
        for module in self._torch_modules():
            for layer in module.modules():
                if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear)):
                    handles.append(
                        layer.register_forward_hook(
                            lambda m, i, output: dtypes.add(output.dtype)
                        )
                    )

    estimator._initialize = hooked.__get__(estimator)
    return handles


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_precision_sets_the_networks_arithmetic_and_nothing_else(
    name, precision, images
):
    estimator = make(name, precision=precision)
    dtypes = set()
    handles = _output_dtypes_of_layers(estimator, dtypes)
    estimator.fit(images)
    for handle in handles:
        handle.remove()
    del estimator._initialize
    expected = torch.bfloat16 if precision == "bfloat16" else torch.float32
    assert expected in dtypes
    if precision == "float32":
        assert dtypes == {torch.float32}
    # Parameters (and so the optimizer state and pickles) stay float32.
    for module in estimator._torch_modules():
        for parameter in module.parameters():
            assert parameter.dtype == torch.float32
    assert np.isfinite(estimator.loss_curve_).all()
    distances = estimator.transform(images)
    assert distances.dtype == np.float32 and np.isfinite(distances).all()
    np.testing.assert_array_equal(estimator.predict(images), estimator.labels_)
    assert estimator.labels_.min() >= 0 and estimator.labels_.max() < 3
