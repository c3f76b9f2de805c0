/* Kernel tests of serializing tokens: held while running, released while blocked. */
#include "testutil.h"
#include <sys/token.h>

static struct lwkt_token test_tok = LWKT_TOKEN_INITIALIZER(test_tok);

KTEST(token, get_and_release)
{
	lwkt_gettoken(&test_tok);
	KT_EXPECT(lwkt_token_held(&test_tok));
	KT_EXPECT(test_tok.t_ref == curthread);
	KT_EXPECT_EQ(curthread->td_toks_count, 1);
	lwkt_reltoken(&test_tok);
	KT_EXPECT(!lwkt_token_held(&test_tok));
	KT_EXPECT(test_tok.t_ref == NULL);
	KT_EXPECT_EQ(curthread->td_toks_count, 0);
}

KTEST(token, recursive_hold_needs_matching_releases)
{
	lwkt_gettoken(&test_tok);
	KT_EXPECT(lwkt_trytoken(&test_tok));	/* the holder may take it again */
	lwkt_reltoken(&test_tok);
	KT_EXPECT(lwkt_token_held(&test_tok));
	lwkt_reltoken(&test_tok);
	KT_EXPECT(!lwkt_token_held(&test_tok));
}

KTEST(token, kept_across_a_yield)
{
	lwkt_gettoken(&test_tok);
	lwkt_yield();
	lwkt_sleep(1);			/* released while asleep, reacquired before we run */
	KT_EXPECT(test_tok.t_ref == curthread);
	lwkt_reltoken(&test_tok);
}

struct handoff {
	volatile int	value;
	volatile int	took;
};

static void
token_taker(void *arg)
{
	struct handoff *h = arg;

	if (lwkt_trytoken(&test_tok)) {		/* the sleeping holder does not hold it now */
		h->took = 1;
		h->value = 42;
		lwkt_reltoken(&test_tok);
	}
}

KTEST(token, handed_off_while_the_holder_blocks)
{
	struct handoff h = { 0, 0 };
	uint32_t before = lwkt_stats.threads;

	lwkt_gettoken(&test_tok);
	h.value = 1;
	KT_EXPECT_EQ(lwkt_create(token_taker, &h, NULL, TDPRI_KERN + 1, 0, "t-taker"), 0);
	lwkt_sleep(2);				/* blocks: the taker runs meanwhile */
	KT_EXPECT_EQ(h.took, 1);
	KT_EXPECT_EQ(h.value, 42);		/* a token does not protect across blocking */
	KT_EXPECT(test_tok.t_ref == curthread);	/* and it is ours again now */
	lwkt_reltoken(&test_tok);
	KT_EXPECT(settle(before));
}
