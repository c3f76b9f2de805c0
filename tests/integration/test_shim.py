"""The tracing shim's records decode on the host to exactly the lines the guest printed."""
from __future__ import annotations

import re

import pytest

from toolchain.decode import decoders
from toolchain.guest import run_image

pytestmark = pytest.mark.qemu


def test_host_decoder_reads_the_shims_records(outputs, make_image, tmp_path):
    """For every CRTRACE record a traced program printed, does toolchain's decoder give the same
    text as the shim's own 'trace:' line before it?"""
    image = make_image("shim", "ktap init=test_shim", ["test_shim", "hello"])
    run = run_image(image, outputs, tmp_path)
    assert run.outcome("test_shim.shim.trace_prints_each_call_and_its_record")[0] == "pass"
    lines = [re.sub(r"^\s*# shim\| ", "", l) for l in run.console_log.read_text().splitlines()
             if "# shim| " in l]
    dec = decoders()
    pairs = [(lines[i], lines[i + 1]) for i in range(len(lines) - 1)
             if lines[i].startswith("trace: ") and lines[i + 1].startswith("CRTRACE ")]
    assert len(pairs) >= 3                      # getpid and writes at least
    for text, record in pairs:
        assert dec.format_call(dec.decode_record(record)) == text.removeprefix("trace: ")
