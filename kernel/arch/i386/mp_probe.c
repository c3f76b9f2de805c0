/*
 * CPU discovery: the firmware lists the machine's CPUs by their local APIC ids, in the ACPI MADT
 * (the "APIC" table, reached from the RSDP through the RSDT) or, on older firmware, in the
 * Intel MultiProcessor table (the "_MP_" floating pointer and its configuration table). The MADT
 * is read first: QEMU builds it with every CPU for both firmwares, while qboot gives no MP table
 * and SeaBIOS's (QEMU 7.2) lists the boot CPU only. The pointers lie in the
 * BIOS area 0xe0000-0xfffff on a 16-byte boundary (the EBDA, found through page 0, which the
 * kernel leaves unmapped, is not searched: neither firmware puts them there).
 */
#include <sys/systm.h>
#include <string.h>
#include <machine/lapic.h>
#include <vm/vm.h>

#define BIOS_LO		0xe0000u
#define BIOS_F		0xf0000u
#define BIOS_HI		0x100000u

struct acpi_rsdp {
	char		signature[8];		/* "RSD PTR " */
	uint8_t		checksum;
	char		oem[6];
	uint8_t		revision;
	uint32_t	rsdt;
} __attribute__((packed));

struct acpi_header {
	char		signature[4];
	uint32_t	length;
	uint8_t		revision, checksum;
	char		oem[6], oem_table[8];
	uint32_t	oem_revision, creator, creator_revision;
} __attribute__((packed));

struct mp_float {
	char		signature[4];		/* "_MP_" */
	uint32_t	config;			/* the configuration table */
	uint8_t		length, revision, checksum, feature[5];
} __attribute__((packed));

struct mp_config {
	char		signature[4];		/* "PCMP" */
	uint16_t	length;
	uint8_t		revision, checksum;
	char		oem[20];
	uint32_t	oem_table;
	uint16_t	oem_size, count;
	uint32_t	lapic;
	uint16_t	ext_length;
	uint8_t		ext_checksum, reserved;
} __attribute__((packed));

/*
 * readable: may the kernel read len bytes at physical address pa? The firmware's tables lie in
 * RAM the kernel maps one to one (SeaBIOS puts them in the last pages below the top of RAM,
 * which the kernel's 4 MiB pages cover though it does not use them).
 */
static bool
readable(uint32_t pa, uint32_t len)
{
	return len > 0 && pa + len > pa && pa + len <= KERNEL_TOP &&
	    (pmap_kernel_pte(pa) & PTE_P) && (pmap_kernel_pte(pa + len - 1) & PTE_P);
}

static bool
sum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum == 0;
}

/* bios_scan: the first 16-byte-aligned place in [lo, hi) that starts with want and sums to 0. */
static const void *
bios_scan(uint32_t want, uint32_t lo, uint32_t hi, uint32_t len)
{
	for (uint32_t pa = lo; pa < hi; pa += 16)
		if (*(const uint32_t *)pa == want && sum_ok((const void *)pa, len))
			return (const void *)pa;
	return NULL;
}

/*
 * bios_find: the first 16-byte-aligned place in the BIOS area that starts with sig (4 bytes),
 * its first len bytes summing to 0. The F segment first: both firmwares put the pointers there,
 * and the search is most of what discovery costs a one-CPU boot.
 */
static const void *
bios_find(const char *sig, uint32_t len)
{
	uint32_t want;
	const void *p;

	memcpy(&want, sig, 4);
	if ((p = bios_scan(want, BIOS_F, BIOS_HI, len)) != NULL)
		return p;
	return bios_scan(want, BIOS_LO, BIOS_F, len);
}

static void
add_cpu(struct mp_cpus *cpus, int apic_id)
{
	if (cpus->count < (int)(sizeof(cpus->apic_id) / sizeof(cpus->apic_id[0])))
		cpus->apic_id[cpus->count++] = apic_id;
}

/* madt_probe: the enabled processor-local-APIC entries (type 0) of the MADT; false without one. */
bool
madt_probe(struct mp_cpus *cpus)
{
	const struct acpi_rsdp *rsdp = bios_find("RSD ", sizeof(*rsdp));
	const struct acpi_header *rsdt, *madt = NULL;

	if (rsdp == NULL || memcmp(rsdp->signature, "RSD PTR ", 8) != 0 ||
	    !readable(rsdp->rsdt, sizeof(*rsdt)))
		return false;
	rsdt = (const void *)rsdp->rsdt;
	if (!readable(rsdp->rsdt, rsdt->length) || memcmp(rsdt->signature, "RSDT", 4) != 0)
		return false;
	const uint32_t *entry = (const uint32_t *)(rsdt + 1);
	for (uint32_t i = 0; i < (rsdt->length - sizeof(*rsdt)) / 4; i++) {
		const struct acpi_header *h = (const void *)entry[i];
		if (readable(entry[i], sizeof(*h)) && memcmp(h->signature, "APIC", 4) == 0 &&
		    readable(entry[i], h->length)) {
			madt = h;
			break;
		}
	}
	if (madt == NULL)
		return false;
	/* After the header: the LAPIC address and flags (8 bytes), then entries (type, length). */
	const uint8_t *p = (const uint8_t *)(madt + 1) + 8, *end = (const uint8_t *)madt + madt->length;
	for (int irq = 0; irq < 16; irq++) {
		cpus->isa_gsi[irq] = (uint8_t)irq;	/* identity unless overridden */
		cpus->isa_flags[irq] = 0;
	}
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		uint32_t flags, gsi;
		uint16_t mps;
		if (p[0] == 0 && p[1] >= 8) {		/* processor local APIC */
			memcpy(&flags, p + 4, 4);
			if (flags & 1)			/* enabled */
				add_cpu(cpus, p[3]);
		} else if (p[0] == 1 && p[1] >= 12 && cpus->ioapic_addr == 0) {	/* I/O APIC */
			memcpy(&cpus->ioapic_addr, p + 4, 4);
			memcpy(&cpus->ioapic_gsi_base, p + 8, 4);
		} else if (p[0] == 2 && p[1] >= 10 && p[2] == 0 && p[3] < 16) {	/* ISA override */
			memcpy(&gsi, p + 4, 4);
			memcpy(&mps, p + 8, 2);
			if (gsi < 256) {
				cpus->isa_gsi[p[3]] = (uint8_t)gsi;
				cpus->isa_flags[p[3]] = mps;
			}
		}
		p += p[1];
	}
	cpus->source = "ACPI MADT";
	return cpus->count > 0;
}

/* mptable_probe: the enabled processor entries of the MP configuration table. */
bool
mptable_probe(struct mp_cpus *cpus)
{
	const struct mp_float *mpf = bios_find("_MP_", sizeof(*mpf));
	const struct mp_config *mpc;

	if (mpf == NULL || mpf->config == 0 || !readable(mpf->config, sizeof(*mpc)))
		return false;
	mpc = (const void *)mpf->config;
	if (memcmp(mpc->signature, "PCMP", 4) != 0 || !readable(mpf->config, mpc->length))
		return false;
	const uint8_t *p = (const uint8_t *)(mpc + 1), *end = (const uint8_t *)mpc + mpc->length;
	for (int i = 0; i < mpc->count && p < end; i++) {
		if (p[0] == 0) {			/* processor: 20 bytes */
			if (p[3] & 1)			/* enabled */
				add_cpu(cpus, p[1]);
			p += 20;
		} else {
			p += 8;				/* bus, I/O APIC, interrupt assignments */
		}
	}
	cpus->source = "MP table";
	return cpus->count > 0;
}

/* mp_probe: fill cpus from the firmware's tables; with neither, the boot CPU alone. */
void
mp_probe(struct mp_cpus *cpus)
{
	cpus->count = 0;
	cpus->ioapic_addr = 0;
	cpus->source = "none";
	if (madt_probe(cpus))
		return;
	cpus->count = 0;
	if (mptable_probe(cpus))
		return;
	cpus->count = 0;
	cpus->source = "none";
}
