"""Unit tests for toolchain.ktap, the streaming KTAP v1 parser."""

import textwrap

import pytest

from toolchain.ktap import KtapParser, Result


def feed_all(text: str, parser: KtapParser | None = None) -> tuple[KtapParser, list[Result]]:
    parser = parser or KtapParser()
    results = []
    for line in textwrap.dedent(text).strip("\n").splitlines():
        results.extend(parser.feed(line))
    return parser, results


def names(results: list[Result]) -> list[str]:
    return [r.name for r in results]


NESTED = """\
    KTAP version 1
    1..2
        KTAP version 1
        # Subtest: lwkt
        1..2
        ok 1 switch_order
            KTAP version 1
            # Subtest: params
            1..2
            ok 1 one
                KTAP version 1
                # Subtest: deep
                1..1
                ok 1 leaf
            ok 2 deep
        ok 2 params
    ok 1 lwkt
        KTAP version 1
        # Subtest: mem
        1..1
        ok 1 alloc
    ok 2 mem
"""


def test_flat_suite_streams_one_result_per_result_line():
    parser = KtapParser()
    assert parser.feed("KTAP version 1") == []
    assert parser.feed("1..3") == []
    assert not parser.complete
    (first,) = parser.feed("ok 1 boot")
    assert (first.path, first.number, first.status, first.failed) == (("boot",), 1, "pass", False)
    (second,) = parser.feed("not ok 2 timer")
    assert (second.status, second.failed) == ("fail", True)
    assert not parser.complete
    (third,) = parser.feed("ok 3 - syscalls")  # " - " before the name is tolerated
    assert third.name == "syscalls"
    assert parser.complete
    assert parser.errors == []
    assert parser.finish("exited") == []
    assert parser.complete  # still true once the stream has ended


def test_nested_three_levels_paths_and_order():
    parser, results = feed_all(NESTED)
    assert names(results) == [
        "lwkt.switch_order",
        "lwkt.params.one",
        "lwkt.params.deep.leaf",
        "lwkt.params.deep",
        "lwkt.params",
        "lwkt",
        "mem.alloc",
        "mem",
    ]
    assert [r.number for r in results] == [1, 1, 1, 2, 2, 1, 1, 2]
    assert results[2].path == ("lwkt", "params", "deep", "leaf")
    assert parser.complete
    assert parser.errors == []


def test_subtest_result_line_names_the_subtest_itself():
    _, results = feed_all("""
        KTAP version 1
        1..1
            KTAP version 1
            # Subtest: sched
            1..1
            ok 1 yield
        ok 1 scheduler
    """)
    assert results[0].path == ("sched", "yield")  # inner results use the Subtest name
    assert results[1].path == ("scheduler",)       # the subtest's own result uses its result line


def test_subtest_header_before_nested_version_line_and_tap14_style():
    # Older KUnit: "# Subtest:" printed before the version line / with no nested version line.
    for text in ("""
        KTAP version 1
        1..1
            # Subtest: lwkt
            KTAP version 1
            1..1
            ok 1 a
        ok 1 lwkt
    """, """
        TAP version 14
        1..1
            # Subtest: lwkt
            1..1
            ok 1 - a
        ok 1 - lwkt
    """):
        parser, results = feed_all(text)
        assert names(results) == ["lwkt.a", "lwkt"]
        assert parser.errors == []
        assert parser.complete


@pytest.mark.parametrize("line, status, reason, failed", [
    ("ok 1 a # SKIP no FPU on this CPU", "skip", "no FPU on this CPU", False),
    ("ok 1 a # skip", "skip", "", False),
    ("not ok 1 a # SKIP not built", "skip", "not built", False),
    ("not ok 1 a # TODO scheduler rewrite", "todo", "scheduler rewrite", False),
    ("not ok 1 - a #todo later", "todo", "later", False),
    ("not ok 1 a", "fail", "", True),
    ("ok 1 a", "pass", "", False),
])
def test_skip_and_todo_directives(line, status, reason, failed):
    _, results = feed_all(f"KTAP version 1\n1..1\n{line}")
    (r,) = results
    assert (r.name, r.status, r.reason, r.failed) == ("a", status, reason, failed)


def test_diagnostics_attach_to_the_next_result_at_their_level():
    _, results = feed_all("""
        KTAP version 1
        1..1
            KTAP version 1
            # Subtest: lwkt
            # module: lwkt_test
            1..2
            ok 1 first
            # lwkt.c:12: expected 1 == 2
            # lwkt.c:13: switch order wrong
            not ok 2 second
            # cleanup leaked 3 threads
        # after lwkt
        not ok 1 lwkt
    """)
    first, second, lwkt = results
    assert first.diagnostics == ["# module: lwkt_test"]  # "# Subtest:" is not a diagnostic
    assert second.diagnostics == ["# lwkt.c:12: expected 1 == 2", "# lwkt.c:13: switch order wrong"]
    # Nested diagnostics that no nested result claimed go to the subtest's own result, in order.
    assert lwkt.diagnostics == ["# cleanup leaked 3 threads", "# after lwkt"]


def test_unknown_lines_go_to_the_innermost_open_level():
    parser, results = feed_all("""
        SeaBIOS (version 1.16)
        Booting from ROM...
        KTAP version 1
        1..2
        ok 1 boot
            KTAP version 1
            # Subtest: vm
            1..1
        panic: page fault at 0xdeadbeef
                kernel: indented message
            not ok 1 map
        ok 2 vm
    """)
    boot, vm_map, vm = results
    assert boot.diagnostics == []  # output before the version line is boot noise
    assert vm_map.diagnostics == ["panic: page fault at 0xdeadbeef", "    kernel: indented message"]
    assert vm.diagnostics == []
    assert parser.errors == []


def test_plan_zero():
    parser, results = feed_all("""
        KTAP version 1
        1..0
    """)
    assert results == []
    assert parser.complete
    assert parser.finish("exited") == []
    assert parser.errors == []


def test_nested_plan_zero():
    parser, results = feed_all("""
        KTAP version 1
        1..1
            KTAP version 1
            # Subtest: empty
            1..0
        ok 1 empty # SKIP nothing to run
    """)
    assert [(r.name, r.status) for r in results] == [("empty", "skip")]
    assert parser.complete and parser.errors == []


def test_stream_cut_inside_nested_subtest_reports_all_open_tests_as_crashed():
    parser, results = feed_all("""
        KTAP version 1
        1..3
        ok 1 boot
            KTAP version 1
            # Subtest: lwkt
            1..3
            ok 1 a
                KTAP version 1
                # Subtest: params
                1..2
                ok 1 p1
        panic: page fault
    """)
    assert names(results) == ["boot", "lwkt.a", "lwkt.params.p1"]
    assert not parser.complete
    crashed = parser.finish("guest panicked")
    assert [(r.path, r.number) for r in crashed] == [
        (("lwkt", "params", "#2"), 2),  # innermost level's missing case first
        (("lwkt", "params"), 2),        # then the open subtest itself
        (("lwkt", "#3"), 3),
        (("lwkt",), 2),
        (("#3",), 3),
    ]
    assert all(r.status == "crashed" and r.failed for r in crashed)
    assert all(r.reason == "guest panicked" for r in crashed)
    assert not parser.complete  # crashed fillers do not make the run complete
    assert crashed[0].diagnostics == ["panic: page fault"]
    assert any("2 of 3" in e for e in parser.errors)


def test_finish_reports_open_subtest_without_plan():
    parser, _ = feed_all("""
        KTAP version 1
        1..1
            KTAP version 1
            # Subtest: hang
    """)
    (r,) = parser.finish("timeout after 30s")
    assert (r.path, r.number, r.status, r.reason) == (("hang",), 1, "crashed", "timeout after 30s")


def test_finish_is_idempotent_and_ends_the_stream():
    parser, _ = feed_all("KTAP version 1\n1..2\nok 1 a")
    first = parser.finish("timeout")
    assert names(first) == ["#2"]
    errors = parser.errors
    assert parser.finish("timeout") == []
    assert parser.errors == errors  # the second call reports nothing new either
    assert parser.feed("ok 2 b") == []  # nothing can arrive after the verdict


def test_bad_numbering_and_duplicates_are_errors_but_results_still_returned():
    parser, results = feed_all("""
        KTAP version 1
        1..3
        ok 1 a
        ok 3 c
        ok 3 c_again
    """)
    assert [r.number for r in results] == [1, 3, 3]
    assert any(e.startswith("line 4:") and "expected result 2, got 3" in e for e in parser.errors)
    assert any(e.startswith("line 5:") and "duplicate" in e for e in parser.errors)
    assert [r.path for r in parser.finish("exited")] == [("#2",)]


def test_more_results_than_planned():
    parser, results = feed_all("KTAP version 1\n1..1\nok 1 a\nok 2 b")
    assert names(results) == ["a", "b"]
    assert any(e.startswith("line 4:") and "more results than planned" in e for e in parser.errors)


def test_subtest_result_count_differs_from_its_plan():
    parser, _ = feed_all("""
        KTAP version 1
        1..1
            KTAP version 1
            # Subtest: short
            1..3
            ok 1 a
        ok 1 short
    """)
    assert any(e.startswith("line 7:") and "'short' planned 3 results, got 1" in e
               for e in parser.errors)
    assert parser.complete  # the subtest reported itself, so the top level is done


def test_missing_version_line():
    parser, results = feed_all("1..1\nok 1 a")
    assert names(results) == ["a"]
    assert any(e.startswith("line 1:") and "version" in e for e in parser.errors)
    assert parser.complete


def test_nested_level_without_version_or_subtest_line():
    parser, results = feed_all("""
        KTAP version 1
        1..1
            1..1
            ok 1 a
        ok 1 suite
    """)
    # No name was known while the case ran; the parent's result line names the subtest.
    assert names(results) == ["#1.a", "suite"]
    assert any(e.startswith("line 3:") for e in parser.errors)


def test_sibling_subtest_starting_before_previous_one_reported():
    parser, results = feed_all("""
        KTAP version 1
        1..2
            KTAP version 1
            # Subtest: first
            1..1
            ok 1 a
            KTAP version 1
            # Subtest: second
            1..1
            ok 1 b
        ok 2 second
    """)
    assert names(results) == ["first.a", "second.b", "second"]
    assert any(e.startswith("line 7:") and "without a result line" in e for e in parser.errors)
    assert [r.path for r in parser.finish("exited")] == [("#1",)]


def test_garbage_never_raises():
    parser = KtapParser()
    garbage = ["", "   ", "\t", "ok", "not ok x", "1..", "1..x", "\x00\x1b[0m\xff",
               "ok -1 a", "# stray diagnostic", "KTAP version"]
    for line in garbage:
        assert parser.feed(line) == []
    parser.feed("KTAP version 7")
    parser.feed("  ok 1 odd indentation")
    parser.feed("            ok 1 too deep")
    parser.feed("KTAP version 1")
    assert parser.finish("exited") == []
    errors = "\n".join(parser.errors)
    assert "unsupported version" in errors
    assert "not a multiple of 4" in errors
    assert "indented 3 levels" in errors
    assert "second top-level version line" in errors


def test_no_ktap_output_at_all():
    parser, results = feed_all("SeaBIOS\nBooting from ROM...\n")
    assert results == []
    assert parser.finish("timeout") == []
    assert parser.errors == ["line 2: stream ended without any KTAP output"]
    assert not parser.complete


def test_crlf_trailing_whitespace_and_blank_lines():
    parser = KtapParser()
    got = []
    for line in ["KTAP version 1\r\n", "1..2  \r\n", "   \r\n", "\n", "ok 1 a  \r\n",
                 "    \r\n", "# note \t\r\n", "not ok 2 b\r\n"]:
        got.extend(parser.feed(line))
    assert [(r.name, r.status) for r in got] == [("a", "pass"), ("b", "fail")]
    assert got[1].diagnostics == ["# note"]
    assert parser.complete and parser.errors == []


def test_feed_accepts_a_chunk_of_several_lines():
    parser = KtapParser()
    results = parser.feed("KTAP version 1\n1..2\nok 1 a\nok 3 c\n")
    assert names(results) == ["a", "c"]
    assert parser.errors[0].startswith("line 4:")  # line numbers count lines, not feed calls


def test_result_without_name_uses_its_number():
    _, results = feed_all("KTAP version 1\n1..1\nok 1")
    assert results[0].path == ("#1",)


def test_nameless_subtest_result_falls_back_to_the_subtest_header():
    _, results = feed_all("""
        KTAP version 1
        1..1
            KTAP version 1
            # Subtest: lwkt
            1..1
            ok 1 a
        ok 1
    """)
    assert results[-1].path == ("lwkt",)
