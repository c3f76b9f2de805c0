/* The CMOS real-time clock, read once at boot for the realtime clock's base. */
#include <sys/systm.h>
#include <machine/cpufunc.h>

#define CMOS_ADDR	0x70
#define CMOS_DATA	0x71

uint64_t boot_epoch_seconds;

static uint32_t
cmos(uint8_t reg)
{
	outb(CMOS_ADDR, reg);
	return inb(CMOS_DATA);
}

static uint32_t
bcd(uint32_t v, bool binary)
{
	return binary ? v : (v & 0x0f) + (v >> 4) * 10;
}

/* days_from_civil: days since 1970-01-01 for a Gregorian date (a well-known formula). */
static int64_t
days_from_civil(int64_t y, uint32_t m, uint32_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	uint32_t yoe = (uint32_t)(y - era * 400);
	uint32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
rtc_init(void)
{
	while (cmos(0x0a) & 0x80)		/* wait out an update in progress */
		;
	bool binary = (cmos(0x0b) & 0x04) != 0;
	uint32_t sec = bcd(cmos(0x00), binary), min = bcd(cmos(0x02), binary);
	uint32_t hour = bcd(cmos(0x04) & 0x7f, binary), day = bcd(cmos(0x07), binary);
	uint32_t mon = bcd(cmos(0x08), binary), year = bcd(cmos(0x09), binary) + 2000;

	boot_epoch_seconds = (uint64_t)(days_from_civil(year, mon, day) * 86400 + hour * 3600 +
	    min * 60 + sec);
}
