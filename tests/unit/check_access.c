/* access: the roles of callers, the stored password forms, and the count
 * of failed logins that slows guessing down (doc/security.md). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"

/* Numeric ids: the test does not depend on this machine's users. */
START_TEST(test_roles)
{
	struct access *a = NULL;
	ck_assert_int_eq(access_new(&a, NULL), 0);
	ck_assert_ptr_null(a);
	/* no role options: whoever is let in is admin */
	ck_assert_int_eq(access_peer_role(NULL, 1000, NULL, 0, 0), CONF_ROLE_ADMIN);

	struct conf_access ca = {0};
	ca.users[0] = "1000,1001";	     /* read */
	ca.groups[1] = "500";		     /* operate */
	ca.users[2] = "1001,no-such-user-x"; /* admin; the unknown name is left out */
	ck_assert_int_eq(access_new(&a, &ca), 0);
	ck_assert(access_has_roles(a));
	gid_t none[] = {100};
	gid_t op[] = {100, 500};
	ck_assert_int_eq(access_peer_role(a, 1000, none, 1, 4242), CONF_ROLE_READ);
	ck_assert_int_eq(access_peer_role(a, 1000, op, 2, 4242), CONF_ROLE_OPERATE);
	/* in several lists: the highest */
	ck_assert_int_eq(access_peer_role(a, 1001, op, 2, 4242), CONF_ROLE_ADMIN);
	ck_assert_int_eq(access_peer_role(a, 1002, none, 1, 4242), CONF_ROLE_NONE);
	ck_assert_int_eq(access_peer_role(a, 1002, op, 2, 4242), CONF_ROLE_OPERATE);
	/* root and supd's own uid are admin whatever the lists say */
	ck_assert_int_eq(access_peer_role(a, 0, none, 1, 4242), CONF_ROLE_ADMIN);
	ck_assert_int_eq(access_peer_role(a, 4242, none, 1, 4242), CONF_ROLE_ADMIN);
	/* what it was made from, to make it again (http_restore) */
	const struct conf_access *back = access_conf(a);
	ck_assert_str_eq(back->users[0], "1000,1001");
	ck_assert_str_eq(back->groups[1], "500");
	ck_assert_ptr_null(back->groups[0]);
	access_free(a);

	/* "*": everyone reads */
	struct conf_access all = {0};
	all.users[0] = "*";
	all.groups[1] = "500";
	ck_assert_int_eq(access_new(&a, &all), 0);
	ck_assert_int_eq(access_peer_role(a, 7777, none, 1, 4242), CONF_ROLE_READ);
	ck_assert_int_eq(access_peer_role(a, 7777, op, 2, 4242), CONF_ROLE_OPERATE);
	access_free(a);
}
END_TEST

START_TEST(test_accounts)
{
	struct conf_account acc[] = {
	    {"alice", CONF_ROLE_READ, "pw-a"},
	    {"bob", CONF_ROLE_OPERATE, "pw-b"},
	};
	struct conf_access ca = {.accounts = acc, .naccounts = 2};
	struct access *a;
	ck_assert_int_eq(access_new(&a, &ca), 0);
	/* accounts alone are no peer-credential policy */
	ck_assert(!access_has_roles(a));
	ck_assert_uint_eq(access_accounts(a), 2);
	const struct conf_account *b = access_account(a, "bob");
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->role, CONF_ROLE_OPERATE);
	ck_assert_str_eq(b->password, "pw-b");
	ck_assert_ptr_null(access_account(a, "bo"));
	ck_assert_ptr_null(access_account(a, "carol"));
	access_free(a);
}
END_TEST

START_TEST(test_passwords)
{
	/* supervisord's forms */
	ck_assert(access_password_ok("secret", "secret"));
	ck_assert(!access_password_ok("secret", "secreT"));
	ck_assert(!access_password_ok("secret", "secre"));
	ck_assert(!access_password_ok("secret", ""));
	ck_assert(access_password_ok("{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "secret"));
	ck_assert(!access_password_ok("{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "Secret"));
	/* crypt(3) hashes, made with mkpasswd (package whois) */
	static const char *const hashes[] = {
	    "$y$j9T$HCZUK5YAra8.xnv7yE5D10$kbswUhrE5XLhxWtrn.HCdm0/Rzj5jH8oDRVOXdGWNH6",
	    "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZ"
	    "N.Pq.H91p5hVO1",
	    "$2b$05$Fua6Kp1kvVB60MTCumGQlu3wsq233Yy3Axo3oCmAlqukErYBGTrRi",
	};
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		ck_assert_msg(access_password_ok(hashes[i], "secret"), "%s", hashes[i]);
		ck_assert_msg(!access_password_ok(hashes[i], "secret2"), "%s", hashes[i]);
		ck_assert_msg(!access_password_ok(hashes[i], ""), "%s", hashes[i]);
		/* the hash itself is no password */
		ck_assert_msg(!access_password_ok(hashes[i], hashes[i]), "%s", hashes[i]);
	}
	/* a hash cut short (its setting only) matches no password */
	ck_assert(!access_password_ok("$6$saltsalt$", "secret"));
	/* a plain password that starts with '$' but is no hash libcrypt knows */
	ck_assert(access_password_ok("$money", "$money"));
	ck_assert(!access_password_ok("$money", "money"));
}
END_TEST

START_TEST(test_fails)
{
	struct access_fails *f = access_fails_new();
	ck_assert_ptr_nonnull(f);
	unsigned char k1[8] = {127, 0, 0, 1}, k2[8] = {10, 0, 0, 2};
	unsigned n;
	int64_t t = 1000000;
	for (int i = 1; i <= ACCESS_FAIL_FREE; i++) {
		ck_assert_int_eq(access_fail(f, 2, k1, t, &n), 0);
		ck_assert_uint_eq(n, (unsigned)i);
	}
	ck_assert_int_eq(access_fail(f, 2, k1, t, &n), ACCESS_FAIL_DELAY_MS);
	ck_assert_int_eq(access_fail(f, 2, k1, t, &n), 2 * ACCESS_FAIL_DELAY_MS);
	ck_assert_int_eq(access_fail(f, 2, k1, t, &n), 4 * ACCESS_FAIL_DELAY_MS);
	for (int i = 0; i < 100; i++)
		ck_assert_int_le(access_fail(f, 2, k1, t, &n), ACCESS_FAIL_MAX_MS);
	ck_assert_int_eq(access_fail(f, 2, k1, t, &n), ACCESS_FAIL_MAX_MS);
	/* another address has its own count; another family too */
	ck_assert_int_eq(access_fail(f, 2, k2, t, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(access_fail(f, 10, k1, t, &n), 0);
	/* a right login starts afresh */
	access_fail_clear(f, 2, k1);
	ck_assert_int_eq(access_fail(f, 2, k1, t, &n), 0);
	ck_assert_uint_eq(n, 1);
	/* so does a long quiet spell */
	for (int i = 0; i < 10; i++)
		access_fail(f, 2, k2, t, &n);
	ck_assert_int_gt(access_fail(f, 2, k2, t, &n), 0);
	ck_assert_int_eq(access_fail(f, 2, k2, t + ACCESS_FAIL_FORGET_MS + 1, &n), 0);
	ck_assert_uint_eq(n, 1);
	/* many addresses: the table stays its size, the oldest is forgotten
	 * first, and the newest keep their counts */
	for (unsigned i = 0; i < 10 * ACCESS_FAIL_SLOTS; i++) {
		unsigned char k[8] = {192, 168, (unsigned char)(i >> 8), (unsigned char)i};
		access_fail(f, 2, k, t + 10 + i, &n);
		access_fail(f, 2, k, t + 10 + i, &n);
		ck_assert_uint_eq(n, 2);
	}
	ck_assert_int_eq(access_fail(f, 2, k1, t + 20000, &n), 0);
	ck_assert_uint_eq(n, 1); /* k1 was forgotten */
	access_fails_free(f);
}
END_TEST

/* After the free failures, attempts from one address take turns, one per
 * delay, however many come at once. */
START_TEST(test_fail_turns)
{
	struct access_fails *f = access_fails_new();
	unsigned char k[8] = {127, 0, 0, 1};
	int64_t t = 5000000;
	for (int i = 0; i < ACCESS_FAIL_FREE; i++) {
		access_fail(f, 2, k, t, NULL);
		ck_assert_int_eq(access_fail_wait(f, 2, k, t), 0);
	}
	ck_assert_int_eq(access_fail(f, 2, k, t, NULL), ACCESS_FAIL_DELAY_MS);
	/* three attempts at once: the first at the failure's delay, the
	 * others one delay apart */
	ck_assert_int_eq(access_fail_wait(f, 2, k, t), ACCESS_FAIL_DELAY_MS);
	ck_assert_int_eq(access_fail_wait(f, 2, k, t), 2 * ACCESS_FAIL_DELAY_MS);
	ck_assert_int_eq(access_fail_wait(f, 2, k, t), 3 * ACCESS_FAIL_DELAY_MS);
	/* once the turns are past, the next waits nothing, the one after a delay */
	int64_t later = t + 10 * ACCESS_FAIL_DELAY_MS;
	ck_assert_int_eq(access_fail_wait(f, 2, k, later), 0);
	ck_assert_int_eq(access_fail_wait(f, 2, k, later), ACCESS_FAIL_DELAY_MS);
	/* another address does not wait */
	unsigned char k2[8] = {127, 0, 0, 2};
	ck_assert_int_eq(access_fail_wait(f, 2, k2, t), 0);
	/* a right login: no more waiting */
	access_fail_clear(f, 2, k);
	ck_assert_int_eq(access_fail_wait(f, 2, k, later), 0);
	access_fails_free(f);
	ck_assert_int_eq(access_fail_wait(NULL, 2, k, t), 0);
}
END_TEST

START_TEST(test_cache)
{
	struct access_cache *c = access_cache_new();
	ck_assert_ptr_nonnull(c);
	const char *h = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQS"
			"pT0Y77vwPZN.Pq.H91p5hVO1";
	int64_t t = 1000;
	ck_assert(!access_password_check(c, h, "wrong", t));
	ck_assert(access_password_check(c, h, "secret", t));
	/* remembered: right again, and a wrong one still wrong */
	ck_assert(access_password_check(c, h, "secret", t + 1));
	ck_assert(!access_password_check(c, h, "wrong", t + 1));
	ck_assert(!access_password_check(c, h, "secret2", t + 1));
	/* bound to the stored hash: another hash does not take it */
	ck_assert(!access_password_check(c, "$6$saltsalt$other", "secret", t + 1));
	/* expired: checked again (and still right) */
	ck_assert(access_password_check(c, h, "secret", t + 3600 * 1000));
	/* plain and {SHA} pass through */
	ck_assert(access_password_check(c, "plain", "plain", t));
	ck_assert(!access_password_check(c, "plain", "plan", t));
	ck_assert(access_password_check(NULL, h, "secret", t));
	access_cache_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("access");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_roles);
	tcase_add_test(tc, test_accounts);
	tcase_add_test(tc, test_passwords);
	tcase_add_test(tc, test_fails);
	tcase_add_test(tc, test_fail_turns);
	tcase_add_test(tc, test_cache);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
