"""GLUE's full MNLI dev files cut down to the 4 columns of the recorded copies (glue/columns.py)."""
from pathlib import Path

import pytest

from hsokv.benchmarks.glue.columns import keep_columns, keep_columns_in_file
from hsokv.benchmarks.glue.data import GLUE_ARCHIVES, TASKS, read_tsv
from hsokv.data.fetch import CHECKSUMS, sha256
from hsokv.errors import GlueDataError

SHARED_MNLI = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "glue" / "MNLI"
# GLUE's MNLI dev header (dev_matched.tsv and dev_mismatched.tsv): 16 columns
GLUE_DEV_HEADER = ("index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse",
                   "sentence1_parse", "sentence2_parse", "sentence1", "sentence2",
                   "label1", "label2", "label3", "label4", "label5", "gold_label")
KEPT = TASKS["MNLI"].eval_columns


def _full(rows: list[dict[str, str]], filler=lambda column, i: f"<{column} {i}>") -> str:
    """A GLUE-format MNLI dev file: the given fields, every other column filled by `filler`."""
    lines = ["\t".join(GLUE_DEV_HEADER)]
    lines += ["\t".join(row.get(c, filler(c, i)) for c in GLUE_DEV_HEADER) for i, row in enumerate(rows)]
    return "\n".join(lines) + "\n"


def test_mnli_keeps_the_four_columns_of_the_recorded_copies():
    assert KEPT == ("index", "sentence1", "sentence2", "gold_label")


def test_a_full_glue_file_reduces_to_exactly_the_four_column_bytes():
    rows = [  # trailing spaces, an unbalanced quote, a Unicode line separator inside a sentence, tabs between fields only
        {"index": "0", "sentence1": "The new rights are nice enough", "sentence2": "Everyone likes the benefits ",
         "gold_label": "neutral"},
        {"index": "1", "sentence1": '"Oh, well', "sentence2": "It's  two\u2028lines ", "gold_label": "contradiction"},
        {"index": "2", "sentence1": " leading space", "sentence2": "caf\u00e9 .", "gold_label": "entailment"},
    ]
    want = ("index\tsentence1\tsentence2\tgold_label\n"
            "0\tThe new rights are nice enough\tEveryone likes the benefits \tneutral\n"
            '1\t"Oh, well\tIt\'s  two\u2028lines \tcontradiction\n'
            "2\t leading space\tcaf\u00e9 .\tentailment\n")
    assert keep_columns(_full(rows), KEPT) == want
    # a '\r\n' line end is a line end, the file's last '\n' may be missing: same bytes
    assert keep_columns(_full(rows).replace("\n", "\r\n").removesuffix("\r\n"), KEPT) == want


def test_columns_are_found_by_name_whatever_their_order(tmp_path):
    path = tmp_path / "dev.tsv"
    path.write_bytes("gold_label\tsentence2\tgenre\tindex\tsentence1\n"
                     "neutral\tB \tslate\t7\tA\n".encode())
    keep_columns_in_file(path, KEPT)
    assert path.read_bytes() == b"index\tsentence1\tsentence2\tgold_label\n7\tA\tB \tneutral\n"
    examples = read_tsv(path, TASKS["MNLI"])
    assert (examples[0].text_a, examples[0].label) == ("A", 2)


def test_a_row_without_gold_label_is_kept_and_then_refused_by_the_reader(tmp_path):
    """GLUE's dev files hold no '-' label; were one there, the reduction keeps the row (no filtering,
    no renumbering), so the file fails its checksum on download and read_tsv refuses it by line."""
    path = tmp_path / "dev.tsv"
    path.write_text(_full([{"index": "0", "sentence1": "A", "sentence2": "B", "gold_label": "-"}]))
    keep_columns_in_file(path, KEPT)
    assert path.read_text() == "index\tsentence1\tsentence2\tgold_label\n0\tA\tB\t-\n"
    with pytest.raises(GlueDataError, match=r"line 2: label '-'"):
        read_tsv(path, TASKS["MNLI"])


@pytest.mark.parametrize("text, named", [
    ("index\tsentence1\tgold_label\n0\ta\tneutral\n", r"missing column\(s\) \['sentence2'\]"),
    ("index\tsentence1\tsentence2\tgold_label\n0\ta\tb\tneutral\n1\ta\tneutral\n", r"line 3: 3 tab-separated fields"),
    ("", "empty file"),
])
def test_a_file_not_in_glue_layout_is_refused_naming_it(tmp_path, text, named):
    path = tmp_path / "dev.tsv"
    path.write_text(text)
    with pytest.raises(GlueDataError, match=named) as err:
        keep_columns_in_file(path, KEPT, "MNLI.zip (MNLI/dev.tsv)")
    assert "MNLI.zip (MNLI/dev.tsv)" in str(err.value)
    assert path.read_text() == text   # left as it was


def test_every_task_has_its_archive_checksum():
    assert set(GLUE_ARCHIVES) == set(TASKS)
    assert all(len(a["sha256"]) == 64 and a["bytes"] > 0 for a in GLUE_ARCHIVES.values())


@pytest.mark.skipif(not SHARED_MNLI.is_dir(), reason=f"no shared MNLI copies at {SHARED_MNLI}")
@pytest.mark.parametrize("name", ["dev_matched.tsv", "dev_mismatched.tsv"])
def test_the_shared_copies_come_back_byte_for_byte_from_their_full_format(name):
    """The recorded 4-column copy (all its rows: 2 MB, milliseconds), put back into GLUE's 16 columns
    (the others empty), reduces to the same bytes: the reduction neither adds nor loses a character."""
    path = SHARED_MNLI / name
    recorded = path.read_bytes()
    assert sha256(path) == CHECKSUMS[f"glue/MNLI/{name}"]["sha256"]
    lines = recorded.decode("utf-8").split("\n")[:-1]
    rows = [dict(zip(KEPT, line.split("\t"))) for line in lines[1:]]
    assert len(rows) > 9000 and all(len(r) == 4 for r in rows)
    assert keep_columns(_full(rows, filler=lambda c, i: ""), KEPT).encode("utf-8") == recorded
