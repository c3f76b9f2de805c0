#ifndef _DEV_SERIAL_H_
#define _DEV_SERIAL_H_
void	serial_init(void);
void	serial_putc(int c);
int	serial_getc(void);
void	serial_enable_rx_interrupt(void);
#endif
