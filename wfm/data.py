"""Patterns: the data a network stores or learns.

The random classification (storage) problem of the wide-flat-minima literature: P = α·n_weights patterns
ξ^μ, i.i.d. uniform in {±1}^N (binary) or i.i.d. N(0, 1) (Gaussian), with labels σ^μ ∈ {±1} i.i.d.
uniform and independent of ξ (Gardner, J. Phys. A 21, 257 (1988); Baldassi, Pittorino & Zecchina, PNAS
117, 161 (2020), arXiv:1905.07833). α is counted **per weight**, so a fully connected
committee with K units of N inputs stores P = α·N·K patterns (as in BinaryCommitteeMachineFBP.jl,
``M = round(Int, K*N*α)``).

Also here: teacher–student labels (σ^μ = output of a teacher network), scikit-learn's bundled digits as a
binary task, and a reader for MNIST-format IDX files that a user already has. Nothing is downloaded.
"""
from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass, field

import numpy as np

from .core.checks import check_choice, check_float, check_int

__all__ = ["Patterns", "n_patterns", "random_patterns", "teacher_student", "digits_task", "read_idx", "load_idx_task"]


@dataclass(frozen=True, eq=False)
class Patterns:
    """Patterns ξ (P, N) and labels σ (P,).

    ``xi`` is stored C-contiguous as int8 when every entry is ±1 (``kind == "binary"``) and as float32
    otherwise (``kind == "real"``); ``labels`` as int8 ±1. Arrays are made read-only so that a Patterns
    can be shared between solvers and measures without defensive copies.

    Parameters
    ----------
    xi : array_like, shape (P, N)
        Inputs. Finite real numbers, or ±1.
    labels : array_like, shape (P,)
        ±1 labels.
    kind : {"auto", "binary", "real"}
        ``"binary"`` requires every entry of ``xi`` to be ±1; ``"auto"`` picks binary when they are.
    teacher_weights : array, optional
        The weights of the teacher that produced the labels (teacher–student data), kept for reference.
    source : dict, optional
        The description of the :class:`wfm.instance.Instance` these patterns were built from (None for
        patterns from elsewhere); results computed on them carry it, so they can be rebuilt.
    """

    xi: np.ndarray
    labels: np.ndarray
    kind: str = "auto"
    teacher_weights: np.ndarray | None = field(default=None)
    source: dict | None = field(default=None)

    def __post_init__(self):
        check_choice("kind", self.kind, ("auto", "binary", "real"))
        try:
            xi = np.asarray(self.xi)
            labels = np.asarray(self.labels)
        except Exception as exc:  # pragma: no cover - numpy raises for ragged input
            raise TypeError(f"xi and labels must be arrays: {exc}") from None
        if xi.ndim != 2:
            raise ValueError(f"xi must be a 2-d array (P, N), got shape {xi.shape}")
        if labels.ndim != 1:
            raise ValueError(f"labels must be a 1-d array (P,), got shape {labels.shape}")
        if xi.shape[0] != labels.shape[0]:
            raise ValueError(f"xi has {xi.shape[0]} patterns but labels has {labels.shape[0]} entries (shape mismatch)")
        if xi.shape[0] == 0 or xi.shape[1] == 0:
            raise ValueError(f"xi must have at least one pattern and one input, got shape {xi.shape}")
        if not (np.issubdtype(xi.dtype, np.number) or xi.dtype == bool) or np.iscomplexobj(xi):
            raise TypeError(f"xi must hold real numbers, got dtype {xi.dtype}")
        if not np.all(np.isfinite(xi)):
            raise ValueError("xi must hold finite values (found NaN or inf)")
        if not np.all(np.abs(labels) == 1) or not np.all(np.isin(labels, (-1, 1))):
            raise ValueError("labels must be ±1")
        is_pm1 = bool(np.all(np.abs(xi) == 1))
        kind = self.kind
        if kind == "binary" and not is_pm1:
            raise ValueError("xi must be ±1 for kind='binary'")
        if kind == "auto":
            kind = "binary" if is_pm1 else "real"
        xi = np.ascontiguousarray(xi, dtype=np.int8 if kind == "binary" else np.float32)
        labels = np.ascontiguousarray(labels, dtype=np.int8)
        xi.flags.writeable = False
        labels.flags.writeable = False
        object.__setattr__(self, "xi", xi)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "kind", kind)

    @property
    def p(self) -> int:
        """Number of patterns P."""
        return self.xi.shape[0]

    @property
    def n(self) -> int:
        """Input dimension N."""
        return self.xi.shape[1]

    @property
    def binary(self) -> bool:
        return self.kind == "binary"

    def alpha(self, model=None) -> float:
        """Load α = P / n_weights for ``model`` (P / N without a model)."""
        if model is None:
            return self.p / self.n
        if model.n != self.n:
            raise ValueError(f"patterns have N={self.n} inputs but the model has n={model.n}")
        return self.p / model.n_weights

    def subset(self, index) -> "Patterns":
        """The patterns selected by ``index`` (a slice, mask or index array); no longer a described instance."""
        return Patterns(self.xi[index], self.labels[index], kind=self.kind, teacher_weights=self.teacher_weights)

    def with_source(self, source: dict | None) -> "Patterns":
        """The same patterns (arrays shared, not copied) recorded as built from the instance ``source``."""
        out = Patterns.__new__(Patterns)
        for f in ("xi", "labels", "kind", "teacher_weights"):
            object.__setattr__(out, f, getattr(self, f))
        object.__setattr__(out, "source", None if source is None else dict(source))
        return out

    def split(self, n_train: int) -> tuple["Patterns", "Patterns"]:
        """The first ``n_train`` patterns and the rest (a train/test split)."""
        n_train = check_int("n_train", n_train, min_value=1)
        if n_train >= self.p:
            raise ValueError(f"n_train must be < P={self.p}, got {n_train}")
        return self.subset(slice(0, n_train)), self.subset(slice(n_train, None))

    def __repr__(self):
        return f"Patterns(P={self.p}, N={self.n}, kind={self.kind!r})"


def n_patterns(alpha, p, n_weights) -> int:
    """P from a load: exactly one of ``alpha`` (P = round(α·n_weights), α counted per weight) and ``p``.

    The one place where α becomes P (every other module calls this function).
    """
    if (alpha is None) == (p is None):
        raise ValueError("give exactly one of alpha and p")
    if p is not None:
        return check_int("p", p, min_value=1)
    alpha = check_float("alpha", alpha, positive=True)
    p = int(round(alpha * n_weights))
    if p < 1:
        raise ValueError(f"alpha={alpha} gives P=round(alpha*n_weights)=0 patterns; increase alpha")
    return p


def random_patterns(n, alpha=None, p=None, kind="binary", seed=None, model=None, teacher=None,
                    teacher_weights=None) -> Patterns:
    """Random patterns for the storage (or teacher–student) problem.

    ξ^μ_i i.i.d. uniform ±1 (``kind="binary"``) or N(0, 1) (``kind="gaussian"``), μ = 1..P with
    P = round(α · n_weights) where n_weights is that of ``model`` (N for a perceptron, the default).
    Labels σ^μ are i.i.d. uniform ±1, or σ^μ = teacher(ξ^μ) when ``teacher`` (any wfm model on N inputs) is
    given, with ``teacher_weights`` or random weights drawn from the same seed.

    The same ``seed`` gives the same patterns; labels and the teacher draw from independent child streams.
    """
    n = check_int("n", n, min_value=1)
    check_choice("kind", kind, ("binary", "gaussian"))
    for name, mdl in (("model", model), ("teacher", teacher)):
        if mdl is not None and getattr(mdl, "n", None) != n:
            raise ValueError(f"{name} has n={getattr(mdl, 'n', None)} inputs but n={n}")
    n_weights = model.n_weights if model is not None else n
    p = n_patterns(alpha, p, n_weights)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    s_xi, s_lab, s_teacher = ss.spawn(3)
    rng = np.random.default_rng(s_xi)
    if kind == "binary":
        xi = (2 * rng.integers(0, 2, size=(p, n), dtype=np.int8) - 1).astype(np.int8)
    else:
        xi = rng.standard_normal((p, n), dtype=np.float32)
    if teacher is None:
        if teacher_weights is not None:
            raise ValueError("teacher_weights given without a teacher model")
        labels = (2 * np.random.default_rng(s_lab).integers(0, 2, size=p) - 1).astype(np.int8)
        return Patterns(xi, labels, kind="binary" if kind == "binary" else "real")
    if teacher_weights is None:
        teacher_weights = teacher.random_weights(seed=s_teacher)
    teacher_weights = teacher.check_weights(teacher_weights)
    labels = teacher.output(teacher_weights, xi).astype(np.int8)
    # a teacher output of 0 (possible only for ReLU committees) is not a valid label: break ties to +1
    labels[labels == 0] = 1
    return Patterns(xi, labels, kind="binary" if kind == "binary" else "real", teacher_weights=teacher_weights)


def teacher_student(teacher, alpha=None, p=None, p_test=1000, kind="binary", seed=None, model=None,
                    teacher_weights=None) -> tuple[Patterns, Patterns]:
    """Training and test sets labelled by the same teacher.

    Returns ``(train, test)``; both carry ``teacher_weights``. P = round(α·n_weights(model or teacher)).
    """
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    s_w, s_train, s_test = ss.spawn(3)
    if teacher_weights is None:
        teacher_weights = teacher.random_weights(seed=s_w)
    train = random_patterns(teacher.n, alpha=alpha, p=p, kind=kind, seed=s_train, model=model or teacher,
                            teacher=teacher, teacher_weights=teacher_weights)
    test = random_patterns(teacher.n, p=check_int("p_test", p_test, min_value=1), kind=kind, seed=s_test,
                           teacher=teacher, teacher_weights=teacher_weights)
    return train, test


# ---------------------------------------------------------------------------------------------------
# Real data


def digits_task(threshold=8.0, test_fraction=0.25, seed=0, pad_to_odd=True) -> tuple[Patterns, Patterns]:
    """scikit-learn's bundled 8×8 digits as a binary task: even (σ = +1) versus odd (σ = −1) digits.

    Inputs: the 64 pixel intensities (0..16) binarized as ξ_i = +1 if intensity > ``threshold`` (default 8,
    half the range) and −1 otherwise. With ``pad_to_odd`` one constant input ξ_65 = +1 (a bias) is appended,
    so N = 65 is odd and a binary field can never vanish. The 1797 samples are shuffled with ``seed`` and
    split into train and test (``test_fraction``). Requires the optional extra ``data`` (scikit-learn);
    the data set ships with scikit-learn, nothing is downloaded.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("digits_task needs scikit-learn: pip install 'wfm[data]'") from None
    threshold = check_float("threshold", threshold)
    test_fraction = check_float("test_fraction", test_fraction)
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    ds = load_digits()
    xi = np.where(ds.data > threshold, 1, -1).astype(np.int8)
    if pad_to_odd and xi.shape[1] % 2 == 0:
        xi = np.hstack([xi, np.ones((xi.shape[0], 1), np.int8)])
    labels = np.where(ds.target % 2 == 0, 1, -1).astype(np.int8)
    order = np.random.default_rng(seed).permutation(len(labels))
    pats = Patterns(xi[order], labels[order], kind="binary")
    return pats.split(int(round((1 - test_fraction) * pats.p)))


_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the MNIST format), plain or gzip-compressed (by magic bytes, not by name).

    Format: two zero bytes, a type code (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float,
    0x0E double), the number of dimensions, then one big-endian uint32 per dimension and the data.
    """
    with open(path, "rb") as fh:
        head = fh.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"path {path!s} is not an IDX file (bad magic number)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"path {path!s}: unknown IDX data type 0x{code:02x}")
    shape = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    dtype = np.dtype(_IDX_DTYPES[code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    data = raw[4 + 4 * ndim:]
    if len(data) != expected:
        raise ValueError(f"path {path!s}: IDX header announces {expected} bytes of data, found {len(data)}")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def load_idx_task(images_path, labels_path, positive=(0, 2, 4, 6, 8), threshold=127.5,
                  pad_to_odd=True) -> Patterns:
    """An MNIST-format pair of IDX files (images, labels) as a binary ±1 task.

    Images are flattened and binarized (+1 if pixel > ``threshold``, −1 otherwise); σ = +1 for classes in
    ``positive`` (default: even digits), −1 otherwise. With ``pad_to_odd`` a constant +1 input is appended
    when the number of pixels is even.
    """
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim < 2 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"images_path/labels_path: incompatible shapes {images.shape} and {labels.shape}")
    xi = np.where(images.reshape(images.shape[0], -1) > threshold, 1, -1).astype(np.int8)
    if pad_to_odd and xi.shape[1] % 2 == 0:
        xi = np.hstack([xi, np.ones((xi.shape[0], 1), np.int8)])
    sigma = np.where(np.isin(labels, np.asarray(positive)), 1, -1).astype(np.int8)
    return Patterns(xi, sigma, kind="binary")
