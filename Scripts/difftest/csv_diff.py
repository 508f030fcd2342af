#!/usr/bin/env python3
"""Differential test: signbatch's CSV tokenizer against Python's csv module.

Generates COUNT tricky but valid RFC 4180 files (deterministic by --seed), reads each
with csv.reader(delimiter=D, quotechar='"', doublequote=True, strict=True) and with
`signbatch-fuzz tokenize`, and compares record by record: the same number of records,
the same fields, and the same physical start line. Exit 0 when every file agrees,
1 on a disagreement (each one printed with the file's bytes), 2 when the harness
itself is broken (the generator wrote something Python does not read back as
intended, or the tokenizer could not be run).

Only valid RFC 4180 is generated: no stray quotes, no text between a closing quote
and the delimiter. Python and signbatch legitimately differ there (Python either
raises under strict=True or keeps the quote as text, signbatch marks the row
ROW_MALFORMED), so such input would only measure the two policies, not correctness.

Usage: csv_diff.py [--seed S] [--count N] [--binary PATH] [--keep DIR]
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time

DELIMITERS = [",", ";", "\t", "|"]

# Chunk sizes passed to the tokenizer: the default (one read holds a whole test file)
# and tiny buffers, so that quotes, CR/LF pairs and multi-byte characters straddle the
# points where the tokenizer refills its buffer. 16 is the smallest buffer it uses.
CHUNKS = [None, None, 16, 17, 61]

# Characters the tokenizer must carry through untouched. Some of them are line breaks
# for other software (U+0085, U+2028, VT, FF), but not for RFC 4180, Python's reader
# (files opened with newline='' split lines on CR and LF only) or signbatch.
UNICODE = [
    "é", "ü", "ß", "中", "文", "腾讯云", "【", "】", "，", "；", "｜", "＂", "“", "”",
    "\u00a0", "\u3000", "\u200b", "\ufeff", "\u0301", "e\u0301", "🙂", "👩\u200d💻",
    "\u0627\u0644", "\u2028", "\u0085", "\x0b", "\x0c", "\x7f", "\x00", "\x1b",
]
PLAIN = ["a", "b", "x", "Tencent", "1", "42", " ", "  ", "-", "=", ".", "'", "\\", "/"]


def make_field(rng, delimiter):
    """Returns (text, must_quote_or_None). Text is the field's value."""
    kind = rng.random()
    if kind < 0.15:
        return ""
    if kind < 0.22:
        return rng.choice([" ", "\t", "  \t ", " \t"])
    specials = [delimiter, '"', '""', "\r", "\n", "\r\n", "\n\r", "\r\r", rng.choice(DELIMITERS)]
    pieces = []
    for _ in range(rng.randint(1, 6)):
        roll = rng.random()
        if roll < 0.45:
            pieces.append(rng.choice(PLAIN))
        elif roll < 0.75:
            pieces.append(rng.choice(UNICODE))
        else:
            pieces.append(rng.choice(specials))
    return "".join(pieces)


def needs_quotes(text, delimiter):
    return any(c in text for c in (delimiter, '"', "\r", "\n"))


def encode_field(text, quoted):
    return '"' + text.replace('"', '""') + '"' if quoted else text


def make_file(rng):
    """One file: its delimiter, text, and the rows as (fields, quoted flags)."""
    delimiter = rng.choice(DELIMITERS)
    style = rng.choice(["\r\n", "\n", "\r", "mixed"])
    columns = rng.randint(1, 6)
    rows = []
    for _ in range(rng.choice([0, 1, 2, 3, 5, 8, 13, 20])):
        kind = rng.random()
        if kind < 0.07:
            fields = [""] * max(columns, 2)  # a line of delimiters only
        elif kind < 0.13:
            fields = [""]  # an empty line
        elif kind < 0.17:
            fields = [rng.choice([" ", "\t", " \t  "])]  # spaces and tabs only
        else:
            count = columns if rng.random() < 0.8 else rng.randint(1, 8)
            fields = [make_field(rng, delimiter) for _ in range(count)]
        quoted = [needs_quotes(f, delimiter) or rng.random() < 0.15 for f in fields]
        rows.append((fields, quoted))
    trailing = rng.random() < 0.7
    # Without a final line break, a last record of one unquoted empty field is no
    # record at all (the file just ends after the previous line break), for RFC 4180
    # and both readers. Quote it, so the file still holds the row it was meant to.
    if rows and not trailing and rows[-1][0] == [""]:
        rows[-1] = ([""], [True])
    parts = []
    for index, (fields, quoted) in enumerate(rows):
        line = delimiter.join(encode_field(f, q) for f, q in zip(fields, quoted))
        parts.append(line)
        if index < len(rows) - 1 or trailing:
            end = rng.choice(["\r\n", "\n", "\r"]) if style == "mixed" else style
            # CR, then an empty line ended by LF, is one CRLF line break: in mixed
            # files an empty line after a lone CR must not end with a lone LF.
            if line == "" and end == "\n" and index > 0 and parts[-2] == "\r":
                end = "\r\n"
            parts.append(end)
    return delimiter, "".join(parts), rows


def python_records(path, delimiter):
    """[(start line, fields)] as Python's csv module reads the file."""
    records = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
        previous = 0
        for row in reader:
            records.append((previous + 1, row))
            previous = reader.line_num
    return records


def expected_python_row(fields, quoted):
    # Python yields [] for an empty line: there is nothing on it, not even one empty
    # field. RFC 4180 has no empty records, so this is a convention, not a conflict.
    return [] if fields == [""] and not quoted[0] else fields


def run_tokenizer(binary, delimiter, chunk, paths):
    """{path: {"records": [...], "error": ...}} as `signbatch-fuzz tokenize` reports them."""
    command = [binary, "tokenize", "--delimiter", delimiter]
    if chunk is not None:
        command += ["--chunk", str(chunk)]
    result = subprocess.run(command + paths, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} exited {result.returncode}: {result.stderr.decode(errors='replace')}")
    files = {}
    current = None
    # split("\n"), not splitlines(): the latter also breaks at U+2028, VT, FF and the
    # like, which the JSON strings carry unescaped.
    for line in result.stdout.decode("utf-8").split("\n"):
        if not line:
            continue
        item = json.loads(line)
        if "file" in item:
            current = files.setdefault(item["file"], {"records": [], "error": None})
        elif "error" in item:
            current["error"] = item
        else:
            current["records"].append(item)
    return files


def compare(path, text, delimiter, rows, python, ours):
    """Disagreements between the tokenizer and Python (and the generator) for one file."""
    problems = []
    if ours is None:
        return ["the tokenizer printed nothing for this file"]
    if ours["error"] is not None:
        problems.append(f"tokenizer failed: {ours['error']}")
    records = ours["records"]
    if len(records) != len(python):
        problems.append(f"{len(records)} records, Python has {len(python)}")
    for index, ((line, py_fields), mine, (fields, quoted)) in enumerate(zip(python, records, rows)):
        where = f"record {index + 1}"
        if py_fields == []:
            # Normalization: Python's [] for an empty line is the tokenizer's one empty
            # field, which CSVRecord.isBlank marks so that CSVBatchReader skips it.
            if mine["fields"] != [""] or not mine["blank"]:
                problems.append(f"{where}: Python reads an empty line, tokenizer has {mine}")
        elif mine["fields"] != py_fields:
            problems.append(f"{where}: fields {mine['fields']!r}, Python {py_fields!r}")
        # Blank means one unquoted field of spaces and tabs only (SPEC §2 blank lines).
        blank = len(fields) == 1 and not quoted[0] and all(c in " \t" for c in fields[0])
        if mine["blank"] != blank:
            problems.append(f"{where}: blank is {mine['blank']}, expected {blank}")
        if mine["line"] != line:
            problems.append(f"{where}: starts on line {mine['line']}, Python says line {line}")
        if "problem" in mine:
            problems.append(f"{where}: marked malformed ({mine['problem']}) but it is valid RFC 4180")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=4180)
    parser.add_argument("--count", type=int, default=2000)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--binary", default=os.environ.get(
        "SIGNBATCH_FUZZ_BIN", os.path.join(root, ".build", "debug", "signbatch-fuzz")))
    parser.add_argument("--keep", metavar="DIR", help="write the generated files here and keep them")
    options = parser.parse_args()

    started = time.monotonic()
    rng = random.Random(options.seed)
    temporary = None
    directory = options.keep
    if directory:
        os.makedirs(directory, exist_ok=True)
    else:
        temporary = tempfile.TemporaryDirectory(prefix="csv-diff-")
        directory = temporary.name

    files = []  # (path, delimiter, chunk, text, rows)
    for index in range(options.count):
        delimiter, text, rows = make_file(rng)
        chunk = rng.choice(CHUNKS)
        path = os.path.join(directory, f"{index:05d}.csv")
        with open(path, "wb") as handle:
            handle.write(text.encode("utf-8"))
        files.append((path, delimiter, chunk, text, rows))

    python = {}
    for path, delimiter, _, text, rows in files:
        try:
            records = python_records(path, delimiter)
        except csv.Error as error:
            print(f"harness error: Python rejects generated {path} ({error}): {text!r}", file=sys.stderr)
            return 2
        intended = [expected_python_row(f, q) for f, q in rows]
        if [fields for _, fields in records] != intended:
            print(f"harness error: Python reads generated {path} as {records!r}, intended {intended!r}: {text!r}",
                  file=sys.stderr)
            return 2
        python[path] = records

    ours = {}
    groups = {}
    for path, delimiter, chunk, _, _ in files:
        groups.setdefault((delimiter, chunk), []).append(path)
    try:
        for (delimiter, chunk), paths in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
            ours.update(run_tokenizer(options.binary, delimiter, chunk, paths))
    except (OSError, RuntimeError, ValueError) as error:
        print(f"harness error: cannot run the tokenizer: {error}", file=sys.stderr)
        return 2

    failures = 0
    rows_compared = 0
    fields_compared = 0
    for path, delimiter, chunk, text, rows in files:
        problems = compare(path, text, delimiter, rows, python[path], ours.get(path))
        rows_compared += len(python[path])
        fields_compared += sum(len(fields) for _, fields in python[path])
        if problems:
            failures += 1
            if failures <= 10:
                print(f"DISAGREE {os.path.basename(path)} delimiter={delimiter!r} chunk={chunk}: {text!r}")
                for problem in problems[:5]:
                    print(f"  {problem}")

    elapsed = time.monotonic() - started
    print(f"compared {len(files)} files, {rows_compared} rows, {fields_compared} fields "
          f"(seed {options.seed}) in {elapsed:.2f} s: {failures} files disagree")
    if temporary:
        temporary.cleanup()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
