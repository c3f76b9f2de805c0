"""What the kernel says on the console about hostile programs (the hostile suite's KTAP cases see
only exit statuses): a stack overflow is named as one."""
from __future__ import annotations

import pytest

from toolchain.machine import Machine

pytestmark = pytest.mark.qemu


def test_a_user_stack_overflow_is_reported_as_a_stack_overflow(outputs, make_image, tmp_path):
    """`hostile stack` recurses into the guard under its stack: does the kernel say "stack
    overflow" (not a bare page fault), kill it alone, and run the next program? (args= gives it
    its argument.)"""
    image = make_image("stackov", "init=hostile,hostile args=stack", ["hostile"])
    with Machine(image.machine_config(outputs), tmp_path) as m:
        m.wait_for(r"proc 1 \(hostile\): stack overflow \(vector 14\) at eip 0x[0-9a-f]+, "
                   r"address 0xbffe[89a-f][0-9a-f]{3} \(write\): killed", 20)
        m.wait_for(r"init: hostile: killed by signal 11", 10)
        m.wait_for(r"proc 2 \(hostile\): stack overflow", 20)      # the kernel carried on
