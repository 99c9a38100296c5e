"""Ready-made callbacks for long fits: early stopping and checkpoints.

Every estimator's ``callback`` parameter takes a callable, or a list of
them, called after each epoch as ``callback(estimator, info)``; training
stops after the epoch when one returns True. These two cover what a long
fit needs most::

    from skdeepclust import DTIKMeans
    from skdeepclust.callbacks import Checkpoint, EarlyStopping

    model = DTIKMeans(
        callback=[EarlyStopping(tol=1e-4, n_iter_no_change=5), Checkpoint("dti.joblib")]
    )

A fit that stopped (by Ctrl-C, a crash of the machine, or a time limit)
goes on from its last checkpoint::

    import joblib

    model = joblib.load("dti.joblib")
    model.set_params(warm_start=True, max_epochs=model.max_epochs_ - model.n_iter_)
    model.fit(X)
"""

import os
import tempfile
from numbers import Integral, Real

import joblib

__all__ = ["Checkpoint", "EarlyStopping"]


def _check_count(value, name):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}.")


class EarlyStopping:
    """Stop training when the loss no longer improves.

    After every epoch the training loss is compared with the best one so
    far; when ``n_iter_no_change`` epochs in a row have not lowered it by
    more than ``tol`` (relative to the best), training stops, as with
    scikit-learn's ``tol`` / ``n_iter_no_change``. The authors'
    configurations train for a fixed number of epochs: this is for one's
    own data.

    It suits the estimators whose loss measures one fixed objective from
    epoch to epoch (DTIKMeans, DTIGaussianMixture, MMDCClustering before
    and after its refinement starts). STDACClustering's loss changes its
    meaning with the selection thresholds every epoch, so it raises a
    ``ValueError`` there. A loss that rises when a schedule changes (a new
    transformation switched on, a learning-rate step) counts as no
    improvement.

    Parameters
    ----------
    tol : float, default=1e-4
        Smallest relative decrease of the loss that counts as an improvement.
    n_iter_no_change : int, default=5
        Epochs without improvement before training stops.

    Attributes
    ----------
    best_loss_ : float
        Lowest loss seen in the present fit.
    best_epoch_ : int
        Epoch (counted from 1, in total) of that loss.
    stopped_epoch_ : int or None
        Epoch after which training was stopped, None while it goes on.
    """

    def __init__(self, tol=1e-4, n_iter_no_change=5):
        if not isinstance(tol, Real) or tol < 0:
            raise ValueError(f"tol must be a number >= 0, got {tol!r}.")
        _check_count(n_iter_no_change, "n_iter_no_change")
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self._reset()

    def _reset(self):
        self.best_loss_ = float("inf")
        self.best_epoch_ = 0
        self.stopped_epoch_ = None
        self._seen_epoch = None

    def __call__(self, estimator, info):
        """Record the epoch's loss; True when training should stop.

        Parameters
        ----------
        estimator : estimator instance
            The estimator being fitted.
        info : dict
            The epoch's information (``"epoch"`` and ``"loss"`` are used).

        Returns
        -------
        stop : bool
            Whether to stop after this epoch.
        """
        if type(estimator).__name__ == "STDACClustering":
            raise ValueError(
                "EarlyStopping does not suit STDACClustering: its loss changes "
                "meaning with the selection thresholds every epoch."
            )
        epoch, loss = info["epoch"], info["loss"]
        if self._seen_epoch is None or epoch <= self._seen_epoch:
            # A new fit (or a fit started over): a fresh record.
            self._reset()
        self._seen_epoch = epoch
        first = self.best_epoch_ == 0
        if first or loss < self.best_loss_ - self.tol * abs(self.best_loss_):
            self.best_loss_, self.best_epoch_ = loss, epoch
        elif epoch - self.best_epoch_ >= self.n_iter_no_change:
            self.stopped_epoch_ = epoch
            return True
        return False

    def __repr__(self):
        return (
            f"EarlyStopping(tol={self.tol!r}, "
            f"n_iter_no_change={self.n_iter_no_change!r})"
        )


class Checkpoint:
    """Save the estimator with :func:`joblib.dump` every few epochs.

    The file is replaced in one step (written beside it, then renamed), so
    a crash while saving leaves the previous checkpoint whole. A loaded
    checkpoint predicts, and with ``warm_start=True`` its ``fit`` goes on
    where the checkpoint was taken, the optimizer's state and the schedules
    included.

    Parameters
    ----------
    path : str or path-like
        The file to write.
    every : int, default=1
        Epochs between two checkpoints.

    Attributes
    ----------
    last_epoch_ : int or None
        Epoch (counted from 1, in total) of the last checkpoint written.
    """

    def __init__(self, path, every=1):
        _check_count(every, "every")
        self.path = os.fspath(path)
        self.every = every
        self.last_epoch_ = None

    def __call__(self, estimator, info):
        """Write the checkpoint when the epoch is due; never stops training.

        Parameters
        ----------
        estimator : estimator instance
            The estimator being fitted.
        info : dict
            The epoch's information (``"epoch"`` is used).

        Returns
        -------
        stop : bool
            Always False.
        """
        if info["epoch"] % self.every == 0:
            directory = os.path.dirname(os.path.abspath(self.path))
            handle, partial = tempfile.mkstemp(dir=directory, suffix=".partial")
            os.close(handle)
            try:
                joblib.dump(estimator, partial)
                os.replace(partial, self.path)
            except BaseException:
                if os.path.exists(partial):
                    os.remove(partial)
                raise
            self.last_epoch_ = info["epoch"]
        return False

    def __repr__(self):
        return f"Checkpoint({self.path!r}, every={self.every!r})"
