from pathlib import Path

import pytest
from conftest import write_sst2_k_shot

from hsokv.benchmarks.glue.data import (LM_BFF_SEEDS, TASKS, Example, GlueDataError, eval_subset, load_few_shot,
                                        read_tsv, required_files, sample_k_shot)

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "glue"
SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"


def test_read_sst2_official_format():
    rows = read_tsv(FIX / "sst2_train.tsv", TASKS["SST-2"])
    assert len(rows) == 24 and {r.label for r in rows} == {0, 1}
    assert all(r.text_b is None and not r.text_a.endswith(" ") for r in rows)


def test_read_mnli_keeps_quotes_and_maps_gold_label():
    rows = read_tsv(FIX / "mnli_dev_matched.tsv", TASKS["MNLI"])
    assert rows[2].text_a == 'He bought a "new" car.' and rows[2].text_b == "He owns a car."
    assert [r.label for r in rows] == [1, 0, 1, 0, 2, 2]  # contradiction, entailment, neutral


def test_missing_column_names_file_and_header(tmp_path):
    bad = tmp_path / "dev.tsv"
    bad.write_text("text\tlabel\nhello\t1\n")
    with pytest.raises(GlueDataError, match=r"dev.tsv: missing column\(s\) \['sentence'\]"):
        read_tsv(bad, TASKS["SST-2"])


def test_unknown_label_names_line(tmp_path):
    bad = tmp_path / "dev.tsv"
    bad.write_text("sentence\tlabel\nfine\t1\nodd\t7\n")
    with pytest.raises(GlueDataError, match=r"line 3: label '7' is not one of \['0', '1'\]"):
        read_tsv(bad, TASKS["SST-2"])


def test_non_utf8_file(tmp_path):
    bad = tmp_path / "dev.tsv"
    bad.write_bytes(b"sentence\tlabel\n\xff\xfe\t1\n")
    with pytest.raises(GlueDataError, match="not UTF-8"):
        read_tsv(bad, TASKS["SST-2"])


def test_sample_k_shot_is_balanced_disjoint_and_seeded():
    rows = read_tsv(FIX / "sst2_train.tsv", TASKS["SST-2"])
    train, dev = sample_k_shot(rows, 4, 13, 2)
    assert [sum(e.label == c for e in train) for c in (0, 1)] == [4, 4]
    assert [sum(e.label == c for e in dev) for c in (0, 1)] == [4, 4]
    assert not {e.text_a for e in train} & {e.text_a for e in dev}
    assert sample_k_shot(rows, 4, 13, 2) == (train, dev)
    assert sample_k_shot(rows, 4, 21, 2) != (train, dev)
    with pytest.raises(GlueDataError, match="k=7 needs 14"):
        sample_k_shot(rows, 7, 13, 2)


def _lm_bff_folder(tmp_path: Path, per_class: int = 16) -> Path:
    write_sst2_k_shot(tmp_path, LM_BFF_SEEDS, per_class)
    return tmp_path


def test_load_lm_bff_layout(tmp_path):
    splits = load_few_shot(_lm_bff_folder(tmp_path) / "SST-2", "SST-2", 13, 16, "lm_bff", max_eval_examples=3)
    assert len(splits.train) == 32 and len(splits.dev) == 32 and len(splits.evals["dev"]) == 3
    # train from train.tsv, dev from dev.tsv: no example in two of the splits
    train, dev, evals = ({e.text_a for e in part} for part in (splits.train, splits.dev, splits.evals["dev"]))
    assert not train & dev and not (train | dev) & evals
    assert "good film 0" in train and "fine film 0" in dev


def test_seeded_eval_subset_is_fixed_in_file_order_and_differs_from_the_head():
    rows = [Example(str(i), None, i % 2) for i in range(50)]
    assert eval_subset(rows, 10, None) == rows[:10] and eval_subset(rows, None, 3) == rows
    a, b = eval_subset(rows, 10, 0), eval_subset(rows, 10, 0)
    assert a == b and len(a) == 10 and a != rows[:10]
    assert [int(e.text_a) for e in a] == sorted(int(e.text_a) for e in a)   # file order kept
    assert eval_subset(rows, 10, 1) != a and eval_subset(rows, 60, 0) == rows


def test_lm_bff_sample_with_wrong_class_counts_is_refused(tmp_path):
    root = _lm_bff_folder(tmp_path, per_class=15) / "SST-2"
    with pytest.raises(GlueDataError, match=r"\[16, 15\] examples per class, expected 16 each"):
        load_few_shot(root, "SST-2", 13, 16, "lm_bff")


@pytest.mark.parametrize("k, seeds, match", [(8, [13], "set glue.k: 16"), (16, [7], r"glue.seeds \[7\] have no LM-BFF")])
def test_lm_bff_source_needs_its_k_and_seeds(tmp_path, k, seeds, match):
    with pytest.raises(GlueDataError, match=match):
        load_few_shot(tmp_path, "SST-2", seeds[0], k, "lm_bff")


def test_required_files_follow_the_source():
    assert set(required_files(TASKS["SST-2"], [13], "sample")) == {"dev.tsv", "train.tsv"}
    lm = required_files(TASKS["MNLI"], [13, 21], "lm_bff")
    assert lm["k_shot/16-21/dev_matched.tsv"] == "lm-bff-k-shot/MNLI/16-21/dev_matched.tsv"
    assert "dev_mismatched.tsv" in lm


@pytest.mark.skipif(not (SHARED / "lm-bff-k-shot" / "SST-2").is_dir(), reason="no real SST-2 copy beside the repo")
def test_real_lm_bff_samples_never_overlap_the_glue_dev_set():
    task = TASKS["SST-2"]
    dev = {e.text_a for e in read_tsv(SHARED / "glue/SST-2/dev.tsv", task)}
    assert len(dev) > 850
    for seed in LM_BFF_SEEDS:
        folder = SHARED / f"lm-bff-k-shot/SST-2/16-{seed}"
        train, kdev = read_tsv(folder / "train.tsv", task), read_tsv(folder / "dev.tsv", task)
        assert not {e.text_a for e in train + kdev} & dev
        assert not {e.text_a for e in train} & {e.text_a for e in kdev}
