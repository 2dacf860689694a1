/* Who may do what on the control plane (doc/security.md, issue #17): a
 * listener's roles, compiled from its config, the role of a caller, the
 * password forms, and the count of failed logins per address that slows
 * a guesser down.  No logging, no loop: the HTTP server asks, and logs. */
#ifndef SUPD_ACCESS_H
#define SUPD_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"

/* A listener's access settings with names resolved to ids. */
struct access;

/* Compiles ca (may be NULL: *out is then NULL, and everyone let in is
 * admin).  User and group names this machine does not know are left out
 * (the config check warned).  Returns 0 or -ENOMEM. */
int access_new(struct access **out, const struct conf_access *ca);
void access_free(struct access *a);
/* What a was made from (NULL for NULL): to make it again. */
const struct conf_access *access_conf(const struct access *a);

/* Whether a sets role lists (peer credentials). */
bool access_has_roles(const struct access *a);

/* The role of a unix-socket peer with uid, its primary and supplementary
 * groups, given the policy a (NULL: admin).  root and self (supd's own
 * uid) are always admin; a uid or group in several lists has the highest
 * role; "*" gives the role to everyone. */
enum conf_role access_peer_role(const struct access *a, uid_t uid, const gid_t *gids, size_t ngids,
				uid_t self);

/* The users= entry named name, with its role and stored password; NULL
 * when none. */
const struct conf_account *access_account(const struct access *a, const char *name);
size_t access_accounts(const struct access *a);

/* given against stored: plain, "{SHA}" + hex SHA-1 (supervisord's forms)
 * or a crypt(3) hash ("$y$", "$6$", "$2b$"... anything libcrypt takes;
 * a stored value libcrypt refuses is compared as plain).  The comparison
 * is constant-time in the length of the strings compared. */
bool access_password_ok(const char *stored, const char *given);
/* Compares without an early exit. */
bool access_const_eq(const char *a, const char *b);

/* access_password_ok, remembering for a while the logins a crypt(3) hash
 * verified, so that a client's next requests cost no hash (see
 * access.c).  c NULL: access_password_ok. */
struct access_cache;
struct access_cache *access_cache_new(void); /* NULL on error */
void access_cache_free(struct access_cache *c);
bool access_password_check(struct access_cache *c, const char *stored, const char *given,
			   int64_t now_ms);

/* ---- failed logins per address: bounded memory, oldest entry reused */

#define ACCESS_FAIL_SLOTS     64     /* addresses remembered */
#define ACCESS_FAIL_FREE      3	     /* failures answered at once */
#define ACCESS_FAIL_DELAY_MS  250    /* the delay after them, doubled each time... */
#define ACCESS_FAIL_MAX_MS    8000   /* ...up to this */
#define ACCESS_FAIL_FORGET_MS 600000 /* an address quiet this long starts afresh */

struct access_fails;

/* NULL on -ENOMEM. */
struct access_fails *access_fails_new(void);
void access_fails_free(struct access_fails *f);
/* Counts a failed login from key (an address: family and 8 bytes; unix
 * peers by uid) at now_ms, *count set to the failures in a row; returns
 * the wait its next attempt will have (0 for the first ACCESS_FAIL_FREE
 * failures, then ACCESS_FAIL_DELAY_MS doubled each time, at most
 * ACCESS_FAIL_MAX_MS). */
int access_fail(struct access_fails *f, unsigned family, const unsigned char key[8], int64_t now_ms,
		unsigned *count);
/* How long an attempt from key arriving at now_ms waits before its
 * credentials are checked: 0 unless key failed more than
 * ACCESS_FAIL_FREE times in a row; then each attempt takes the next turn,
 * one per wait, so that many connections check no more credentials (and
 * spend no more of supd's time on hashes) than one. */
int access_fail_wait(struct access_fails *f, unsigned family, const unsigned char key[8],
		     int64_t now_ms);
/* A login from key succeeded: it starts afresh. */
void access_fail_clear(struct access_fails *f, unsigned family, const unsigned char key[8]);

#endif
