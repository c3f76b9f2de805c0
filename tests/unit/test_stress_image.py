"""invoke smp-stress's image (toolchain/stress.py): the kernel cases, and the user test programs
named (--programs), at the CPU count asked."""
from toolchain import stress


def test_kernel_cases_only():
    image = stress.smp_image(4, "smp.*")
    assert image.cmdline == "ktap ktest=smp.*" and image.programs == [] and image.machine.cpus == 4


def test_programs_run_by_init_and_go_in_the_initrd_once():
    image = stress.smp_image(2, "smp.a_thread*", ("test_vcpu_parallel", "test_kse@kse", "test_kse"))
    assert image.cmdline == "ktap ktest=smp.a_thread* init=test_vcpu_parallel,test_kse@kse,test_kse"
    assert {"test_kse", "test_vcpu_parallel"} <= set(image.programs)    # NAME@kse is NAME's file
    assert "threads" in image.programs and len(set(image.programs)) == len(image.programs)  # helpers
    assert image.machine.cpus == 2
