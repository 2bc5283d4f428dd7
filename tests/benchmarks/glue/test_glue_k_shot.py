"""LM-BFF's k-shot procedure (hsokv/benchmarks/glue/k_shot.py) against LM-BFF's published samples."""
from pathlib import Path

import numpy as np
import pytest

from hsokv.benchmarks.glue.k_shot import lm_bff_sample, read_lines, write_lm_bff_samples
from hsokv.errors import GlueDataError

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
K_SHOT = SHARED / "lm-bff-k-shot"
SEEDS = (13, 21, 42, 87, 100)
MNLI_TRAIN_ROWS = 392_702   # GLUE's MNLI train.tsv, header excluded
needs_shared = pytest.mark.skipif(not K_SHOT.is_dir(), reason=f"LM-BFF's samples not at {K_SHOT}")


def test_sample_is_numpy_seed_then_shuffle_then_first_k_per_label_in_order_of_appearance():
    lines = ["text\tlabel\n"] + [f"row {i}\t{'abc'[i % 3]}\n" for i in range(30)]
    train, dev = lm_bff_sample(lines, 21, 4)
    np.random.seed(21)            # LM-BFF's calls, on the global generator
    shuffled = lines[1:]
    np.random.shuffle(shuffled)
    labels = list(dict.fromkeys(line[-2] for line in shuffled))
    by_label = {lab: [line for line in shuffled if line[-2] == lab] for lab in labels}
    assert train == lines[0] + "".join(line for lab in labels for line in by_label[lab][:4])
    assert dev == lines[0] + "".join(line for lab in labels for line in by_label[lab][4:8])
    with pytest.raises(GlueDataError, match="too few lines for k=6"):
        lm_bff_sample(lines, 21, 6)


def test_written_files_keep_the_lines_bytes(tmp_path):
    src = tmp_path / "train.tsv"
    src.write_bytes(b"s\tl\r\n" + b"".join(b"caf\xc3\xa9 %d \t%d\r\n" % (i, i % 2) for i in range(8)))
    written = write_lm_bff_samples(src, tmp_path / "out", [13], 2, "dev.tsv")
    assert [p.relative_to(tmp_path / "out").as_posix() for p in written] == ["2-13/train.tsv", "2-13/dev.tsv"]
    data = written[0].read_bytes()
    assert data.startswith(b"s\tl\n") and data.count(b"\n") == 5 and b"\r" not in data and "café".encode() in data


@needs_shared
@pytest.mark.parametrize("seed", SEEDS)
def test_mnli_samples_follow_the_procedure_over_glue_train(seed):
    """GLUE's MNLI train.tsv is not here, but its `index` column is the row number: every row of
    LM-BFF's train and dev files must sit, label by label, in this procedure's order."""
    order = np.arange(MNLI_TRAIN_ROWS)
    np.random.RandomState(seed).shuffle(order)
    position = np.empty_like(order)
    position[order] = np.arange(MNLI_TRAIN_ROWS)
    folder = K_SHOT / "MNLI" / f"16-{seed}"
    train, dev = (read_lines(folder / name)[1:] for name in ("train.tsv", "dev_matched.tsv"))
    assert len(train) == len(dev) == 48
    first = int(train[0].split("\t", 1)[0])
    assert position[first] == 0                                   # the first shuffled row opens the file
    firsts = []
    for g in range(3):
        rows = train[16 * g:16 * g + 16] + dev[16 * g:16 * g + 16]
        assert len({r.strip().split("\t")[-1] for r in rows}) == 1   # one label a group, train and dev alike
        pos = [position[int(r.split("\t", 1)[0])] for r in rows]
        assert pos == sorted(pos)                                  # train's 16, then dev's 16, in shuffled order
        firsts.append(pos[0])
    assert firsts == sorted(firsts)                                # labels in order of first appearance


@needs_shared
def test_lm_bff_sst2_is_not_drawn_from_glue_sst2():
    """Why SST-2's samples are regenerated from LM-BFF's archive, not GLUE's: GLUE's text differs."""
    glue = read_lines(SHARED / "glue" / "SST-2" / "train.tsv")
    for seed in SEEDS:
        train, _ = lm_bff_sample(glue, seed, 16)
        assert train != (K_SHOT / "SST-2" / f"16-{seed}" / "train.tsv").read_text(encoding="utf-8")
