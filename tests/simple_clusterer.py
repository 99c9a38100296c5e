"""A small concrete clusterer that exercises the shared machinery.

Gradient K-means on pixels: learnable centres, loss = mean over samples of
the smallest squared distance. It is the plainest model the base class can
train, so the tests of ``skdeepclust.base`` test the base class, not a method.
"""

import torch

from skdeepclust.base import BaseDeepClusterer, as_float_images, iter_minibatches


class GradientKMeans(BaseDeepClusterer):
    """K-means trained by Adam on mini-batches, centres seeded from samples."""

    def __init__(
        self,
        n_clusters=3,
        *,
        max_epochs=20,
        batch_size=64,
        learning_rate=0.05,
        device="auto",
        random_state=None,
        verbose=0,
        image_shape=None,
        warm_start=False,
        callback=None,
    ):
        self.n_clusters = n_clusters
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.image_shape = image_shape
        self.warm_start = warm_start
        self.callback = callback

    def _initialize(self, X, random_state):
        seeds = random_state.choice(X.shape[0], self.n_clusters, replace=False)
        self.centers_module_ = torch.nn.ParameterList(
            [
                torch.nn.Parameter(
                    as_float_images(X[torch.as_tensor(seeds, device=X.device)]).clone()
                )
            ]
        )

    def _distances(self, X):
        centers = self.centers_module_[0]
        return torch.cdist(X.flatten(1), centers.flatten(1)) ** 2

    def _fit_epoch(self, X, epoch, random_state):
        optimizer = self._current_optimizer()
        total = torch.zeros((), device=X.device)
        for batch in iter_minibatches(X.shape[0], self.batch_size, device=X.device):
            loss = self._distances(as_float_images(X[batch])).min(dim=1).values.mean()
            self._check_step_loss(loss, epoch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach() * batch.numel()
        return float(total) / X.shape[0]

    def _predict_tensor(self, X):
        return self._distances(X).argmin(dim=1)

    def transform(self, X):
        X = self._check_test_images(X)
        return self._map_batches(self._distances, X).numpy()

    def score(self, X, y=None):
        return -float(self.transform(X).min(axis=1).mean())
