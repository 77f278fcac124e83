"""Input scalers, fitted on the training split only (then applied to every split).

They follow scikit-learn's StandardScaler and MinMaxScaler, including their handling of
constant features (scale 1 instead of a division by zero).
"""

import numpy as np

from ._validation import as_float_array


class _Scaler:
    def _check(self, X, fitted=True):
        X = as_float_array(X, "X")
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must have shape (N, D) with N >= 1; got {X.shape}. For one "
                             "feature use X.reshape(-1, 1).")
        if not np.isfinite(X).all():
            raise ValueError("X holds NaN or inf values; clean or impute them first.")
        if fitted:
            if not hasattr(self, "scale_"):
                raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(X_train) "
                                   "first.")
            if X.shape[1] != self.scale_.size:
                raise ValueError(f"X has {X.shape[1]} features, but the scaler was fitted on "
                                 f"{self.scale_.size}.")
        return X

    def fit_transform(self, X):
        return self.fit(X).transform(X)


class StandardScaler(_Scaler):
    """z = (x - mean) / std per feature (std with ddof 0), fitted on training data.

    Examples
    --------
    >>> StandardScaler().fit_transform([[1.0], [3.0]]).ravel().tolist()
    [-1.0, 1.0]
    """

    def fit(self, X):
        X = self._check(X, fitted=False)
        centred = X - X[0]  # measured from the first row, as in BatchNorm1d: a constant
        with np.errstate(over="ignore", invalid="ignore"):  # feature has variance exactly 0
            shift, var = centred.mean(axis=0), centred.var(axis=0)
        self.mean_ = X[0] + shift
        if not (np.isfinite(self.mean_).all() and np.isfinite(var).all()):
            raise ValueError("X has features too large to standardise in float64 (their "
                             "variance overflows, beyond about 1e154); rescale them first.")
        # scikit-learn's test for a constant feature: variance within rounding of zero
        n, eps = X.shape[0], np.finfo(np.float64).eps
        with np.errstate(over="ignore"):  # (n mean eps)^2 may overflow: inf, still right
            constant = var <= n * eps * var + (n * self.mean_ * eps) ** 2
        self.scale_ = np.where(constant, 1.0, np.sqrt(var))
        return self

    def transform(self, X):
        X = self._check(X)
        return (X - self.mean_) / self.scale_

    def inverse_transform(self, X):
        X = self._check(X)
        return X * self.scale_ + self.mean_


class MinMaxScaler(_Scaler):
    """x' = (x - min) / (max - min) per feature, mapping the training range onto [0, 1].

    Examples
    --------
    >>> MinMaxScaler().fit_transform([[0.0], [16.0], [4.0]]).ravel().tolist()
    [0.0, 1.0, 0.25]
    """

    def fit(self, X):
        X = self._check(X, fitted=False)
        self.data_min_, self.data_max_ = X.min(axis=0), X.max(axis=0)
        with np.errstate(over="ignore"):
            data_range = self.data_max_ - self.data_min_
        if not np.isfinite(data_range).all():
            raise ValueError("X has features whose range (max - min) overflows float64; rescale "
                             "them first.")
        self.scale_ = np.where(data_range == 0, 1.0, data_range)
        return self

    def transform(self, X):
        X = self._check(X)
        return (X - self.data_min_) / self.scale_

    def inverse_transform(self, X):
        X = self._check(X)
        return X * self.scale_ + self.data_min_
