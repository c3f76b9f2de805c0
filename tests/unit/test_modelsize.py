"""docs/dillon-vs-kse.md shows the model.* figures the committed baseline has: its table is the
one toolchain/modelsize.py makes from images/baselines/bench.toml."""
from pathlib import Path

from toolchain import modelsize

ROOT = Path(__file__).resolve().parents[2]


def _section(text: str, name: str) -> str:
    start = text.index(f"<!-- modelsize: {name} -->") + len(f"<!-- modelsize: {name} -->")
    return text[start:text.index("<!-- /modelsize -->", start)].strip()


def test_the_doc_shows_the_baselines_model_figures():
    doc = (ROOT / "docs/dillon-vs-kse.md").read_text()
    assert _section(doc, "bench") == modelsize.bench_table(), \
        "regenerate the table with python -m toolchain.modelsize"


def test_bench_table_names_every_workload_of_both_models(tmp_path):
    base = tmp_path / "bench.toml"
    lines = ["[figures]"]
    for n, (name, _) in enumerate(modelsize.WORKLOADS):
        lines += [f'"model.dillon.{name}" = {100 + n}.0', f'"model.kse.{name}" = {200 + 2 * n}.0']
    base.write_text("\n".join(lines) + "\n")
    table = modelsize.bench_table(base)
    assert table.count("\n") == len(modelsize.WORKLOADS) + 1
    assert "| 100.0 | 200.0 | 2.00 |" in table


def test_a_missing_figure_is_named(tmp_path):
    base = tmp_path / "bench.toml"
    base.write_text('[figures]\n"model.dillon.null" = 1.0\n')
    try:
        modelsize.bench_table(base)
    except SystemExit as e:
        assert "model.*.null" in str(e)
    else:
        raise AssertionError("no error for a missing figure")


def test_write_doc_rewrites_only_the_figures_table(tmp_path):
    base = tmp_path / "bench.toml"
    base.write_text("[figures]\n" + "".join(f'"model.dillon.{n}" = 10.0\n"model.kse.{n}" = 30.0\n'
                                             for n, _ in modelsize.WORKLOADS))
    doc = tmp_path / "doc.md"
    doc.write_text("before\n<!-- modelsize: bench -->\nold table\n<!-- /modelsize -->\nafter\n")
    assert modelsize.write_doc(doc, base)
    text = doc.read_text()
    assert text.startswith("before\n") and text.endswith("after\n") and "old table" not in text
    assert _section(text, "bench") == modelsize.bench_table(base)
    assert not modelsize.write_doc(doc, base)          # already true: the file is left alone
