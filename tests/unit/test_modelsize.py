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
