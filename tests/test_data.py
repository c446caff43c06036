import gzip
import struct

import numpy as np
import pytest

import wfm
from wfm.data import Patterns, digits_task, load_idx_task, random_patterns, read_idx, teacher_student


def test_patterns_store_int8_binary_and_float32_real():
    xi = np.array([[1, -1, 1], [-1, -1, 1]])
    p = Patterns(xi, [1, -1])
    assert p.xi.dtype == np.int8 and p.labels.dtype == np.int8 and p.kind == "binary"
    assert p.xi.flags.c_contiguous and not p.xi.flags.writeable
    assert (p.p, p.n) == (2, 3)
    r = Patterns(np.asfortranarray(np.random.default_rng(0).normal(size=(4, 3))), [1, 1, -1, 1])
    assert r.xi.dtype == np.float32 and r.kind == "real" and r.xi.flags.c_contiguous


@pytest.mark.parametrize("xi, labels, match", [
    (np.ones(3), [1], "2-d"),
    (np.ones((2, 3)), [1], "shape mismatch"),
    (np.ones((2, 3)), [1, 0], "labels must be ±1"),
    (np.array([[1.0, np.nan, 1.0]]), [1], "finite"),
    (np.array([[1.0, np.inf, 1.0]]), [1], "finite"),
])
def test_patterns_reject_bad_input(xi, labels, match):
    with pytest.raises(ValueError, match=match):
        Patterns(xi, labels)


def test_patterns_binary_kind_requires_pm1():
    with pytest.raises(ValueError, match="±1"):
        Patterns(np.array([[1, 0, 1]]), [1], kind="binary")
    with pytest.raises(ValueError, match="kind"):
        Patterns(np.ones((1, 3)), [1], kind="ternary")


def test_random_patterns_size_is_alpha_times_n_weights():
    assert random_patterns(101, alpha=0.6, seed=0).p == round(0.6 * 101)
    c = wfm.Committee(21, 5)
    p = random_patterns(21, alpha=0.3, seed=0, model=c)
    assert p.p == round(0.3 * 21 * 5) and p.n == 21
    assert p.alpha(c) == pytest.approx(p.p / 105)
    assert random_patterns(11, p=7, seed=0).p == 7


def test_random_patterns_reproducible_and_balanced():
    a = random_patterns(201, alpha=2.0, seed=3)
    b = random_patterns(201, alpha=2.0, seed=3)
    c = random_patterns(201, alpha=2.0, seed=4)
    assert np.array_equal(a.xi, b.xi) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.xi, c.xi)
    assert set(np.unique(a.xi)) == {-1, 1}
    assert abs(a.xi.mean()) < 0.02 and abs(a.labels.mean()) < 0.15
    g = random_patterns(50, alpha=40, kind="gaussian", seed=0)
    assert g.xi.dtype == np.float32 and abs(g.xi.std() - 1) < 0.02


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0, alpha=0.5), "n must be >= 1"),
    (dict(n=11, alpha=-1), "alpha must be > 0"),
    (dict(n=11), "exactly one of alpha and p"),
    (dict(n=11, alpha=0.5, p=3), "exactly one of alpha and p"),
    (dict(n=11, alpha=0.01), "P=round"),
    (dict(n=11, alpha=0.5, kind="ternary"), "kind"),
    (dict(n=11, alpha=0.5, model=wfm.Perceptron(13)), "model has n=13"),
])
def test_random_patterns_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        random_patterns(**kwargs)


def test_teacher_labels_are_teacher_outputs():
    teacher = wfm.TreeCommittee(45, 3)
    w = teacher.random_weights(seed=1)
    p = random_patterns(45, alpha=1.0, seed=0, teacher=teacher, teacher_weights=w)
    assert np.array_equal(p.labels, teacher.output(w, p.xi))
    assert teacher.errors(w, p) == 0
    train, test = teacher_student(wfm.Perceptron(31), alpha=0.5, p_test=40, seed=2)
    assert np.array_equal(train.teacher_weights, test.teacher_weights)
    assert wfm.Perceptron(31).errors(train.teacher_weights, test) == 0 and test.p == 40


def test_digits_task():
    pytest.importorskip("sklearn", reason="scikit-learn is the optional extra 'data' (installed by the README command)")
    train, test = digits_task(seed=0)
    assert train.n == 65 and train.binary and train.p + test.p == 1797
    assert abs(test.p - 0.25 * 1797) <= 1
    assert set(np.unique(train.labels)) == {-1, 1}


def _write_idx(path, arr, code, gz=False):
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    data = header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if gz else open
    with opener(path, "wb") as fh:
        fh.write(data)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_roundtrip(tmp_path, gz):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(6, 4, 4)).astype(np.uint8)
    labs = np.array([0, 1, 2, 3, 4, 5], np.uint8)
    f_img, f_lab = tmp_path / "img.idx", tmp_path / "lab.idx"
    _write_idx(f_img, imgs, 0x08, gz)
    _write_idx(f_lab, labs, 0x08, gz)
    assert np.array_equal(read_idx(f_img), imgs)
    floats = rng.normal(size=(3, 2)).astype(np.float32)
    _write_idx(tmp_path / "f.idx", floats, 0x0D, gz)
    assert np.array_equal(read_idx(tmp_path / "f.idx"), floats)
    task = load_idx_task(f_img, f_lab)
    assert task.n == 17 and task.p == 6
    assert np.array_equal(task.labels, [1, -1, 1, -1, 1, -1])
    assert np.array_equal(task.xi[:, :16], np.where(imgs.reshape(6, -1) > 127.5, 1, -1))


def test_read_idx_rejects_garbage(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX"):
        read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"\x00" * 3)
    with pytest.raises(ValueError, match="announces"):
        read_idx(short)
