/* true: do nothing, successfully (status 0). */
int
main(void)
{
	return 0;
}
