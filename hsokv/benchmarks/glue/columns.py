"""GLUE's TSV files cut down to the columns this project keeps (MNLI's dev files: 16 columns -> 4).

The recorded copies of MNLI's dev files (hsokv/data/checksums.json; the shared data README,
section glue/MNLI) keep 4 of the 16 columns of GLUE's files: index, sentence1, sentence2 and
gold_label. A download gets GLUE's full files. `keep_columns` turns them into the same bytes, so
a mirror and a download give identical files, and download_glue checks the result against the
recorded sha256. The rules:

- columns are found by header name and written in the order asked for;
- a line ends at '\\n' only. A '\\r' just before it is taken as part of the line end and dropped.
  Other Unicode line breaks can occur inside a sentence, so they are not line ends;
- fields are copied as they are. No quote processing: MNLI's text has unbalanced quotes. No
  stripping: sentences keep trailing spaces, as in GLUE;
- every row is kept, in order. Nothing is filtered or renumbered. GLUE's dev files have no row
  whose gold_label is '-', because GLUE dropped MultiNLI's unlabelled rows and renumbered `index`.
  If such a row did occur, it would be kept, so the file would fail its recorded sha256, and
  `read_tsv` would refuse the label '-' and name the line;
- the output is UTF-8 with '\\n' after every line, the header included.
"""
from __future__ import annotations

from pathlib import Path

from hsokv.errors import GlueDataError


def keep_columns(text: str, columns: tuple[str, ...], name: str = "<text>") -> str:
    """`text` (a TSV with a header line) reduced to `columns`; `name` is used in errors."""
    lines = text.split("\n")
    if lines[-1] == "":   # the usual final '\n': it ends the last line and does not start a new one
        lines.pop()
    if not lines:
        raise GlueDataError(f"{name}: empty file, expected a header with {list(columns)}")
    rows = [line.removesuffix("\r").split("\t") for line in lines]
    header = rows[0]
    missing = [c for c in columns if c not in header]
    if missing:
        raise GlueDataError(f"{name}: missing column(s) {missing}; header has {header}")
    at = [header.index(c) for c in columns]
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise GlueDataError(f"{name}, line {number}: {len(row)} tab-separated fields, the header has {len(header)}")
    return "".join("\t".join(row[i] for i in at) + "\n" for row in rows)


def keep_columns_in_file(path: str | Path, columns: tuple[str, ...], name: str | None = None) -> None:
    """Rewrite the TSV at `path` in place, reduced to `columns` (see `keep_columns`); errors name
    `name` (default: the path; a download's staging path is gone by the time anyone reads them)."""
    path = Path(path)
    name = name or str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise GlueDataError(f"{name}: not UTF-8 text ({err})") from None
    path.write_bytes(keep_columns(text, columns, name).encode("utf-8"))
